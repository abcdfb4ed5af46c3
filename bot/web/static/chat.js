// Start rasa-webchat for this page's trial, and make it accessible. Settings come from data attributes, so
// the page needs no inline script (the Content-Security-Policy allows only our own files).

// Accessibility of the widget (issue 16), from the outside: the widget's files stay as published.
window.PrescreenA11y = (function () {
  "use strict";
  var chat = document.getElementById("webchat");
  var announcer = document.getElementById("chat-announcer");
  var nativeFocus = HTMLElement.prototype.focus;
  var mounted = new WeakSet();
  var expected = 0;      // bot messages received over the socket and not yet shown
  var shown = 0;         // bot messages in the widget
  var answered = null;   // after an answer: {by: "button" | "text", shown: count then}, until the bot has replied
  var timer = null;

  // The widget's text box has React's autoFocus: each time it is created, it takes the focus, which scrolls the
  // page down to the chat and, on a phone, opens the keyboard over the title. That first call, made by React
  // as it creates the box, is skipped; every later one (the volunteer's, ours, a test's) goes through.
  HTMLTextAreaElement.prototype.focus = function () {
    if (this.classList.contains("rw-new-message") && !mounted.has(this)) {
      mounted.add(this);
      return undefined;
    }
    return nativeFocus.apply(this, arguments);
  };

  function botMessages() {
    return chat.querySelectorAll(".rw-from-response .rw-message:not(.rw-typing-indication)");
  }

  // Names for what the widget leaves unnamed, and the answer buttons reachable by keyboard.
  function label() {
    var input = chat.querySelector(".rw-new-message");
    if (input && !input.hasAttribute("aria-label")) {
      input.setAttribute("aria-label", chat.dataset.inputLabel);
      mounted.add(input);  // its autoFocus (if any) is past: React calls it as it inserts the box
    }
    var send = chat.querySelector(".rw-send");
    if (send && !send.hasAttribute("aria-label")) {
      send.setAttribute("aria-label", chat.dataset.sendLabel);
      Array.prototype.forEach.call(send.querySelectorAll("svg"), function (svg) {
        svg.setAttribute("aria-hidden", "true");
        svg.setAttribute("focusable", "false");
      });
    }
    var messages = chat.querySelector(".rw-messages-container");
    if (messages && !messages.hasAttribute("tabindex")) {  // a scrolling box: keyboard users can scroll it too
      messages.setAttribute("tabindex", "0");
      messages.setAttribute("role", "region");
      messages.setAttribute("aria-label", chat.dataset.conversationLabel);
    }
    chat.querySelectorAll(".rw-reply:not([tabindex])").forEach(function (button) {
      button.setAttribute("tabindex", "0");
      button.setAttribute("role", "button");
    });
  }

  // Each new bot message, once shown, is copied as text into the polite live region. Messages the widget
  // restores from the browser after a reload were never received over the socket, so they are not read out.
  function announceNew() {
    var messages = botMessages();
    if (messages.length < shown) { shown = 0; }  // a new widget (after "delete my data")
    if (messages.length === shown) { return; }
    var fresh = Array.prototype.slice.call(messages, shown);
    shown = messages.length;
    var count = Math.min(fresh.length, expected);
    expected -= count;
    fresh.slice(fresh.length - count).forEach(function (message) {
      var text = message.querySelector(".rw-message-text");
      var said = document.createElement("p");
      said.textContent = (text || message).innerText.replace(/\n+/g, " ").trim();
      announcer.appendChild(said);
    });
    while (announcer.childNodes.length > 8) { announcer.removeChild(announcer.firstChild); }
  }

  // After an answer, once the bot has replied and the widget shows everything it received: the focus goes
  // to the first answer button of the new question, or to the text box where there are none. An answer
  // typed in the text box keeps the focus there (a typed space must not press a button). Focus the volunteer
  // has taken elsewhere on the page stays where it is.
  function settle() {
    timer = null;
    if (!answered || expected > 0 || chat.querySelector(".rw-typing-indication")) { return; }
    var messages = botMessages();
    if (messages.length <= answered.shown) { return; }
    var by = answered.by;
    answered = null;
    var active = document.activeElement;
    var input = chat.querySelector(".rw-new-message");
    if (active && active !== document.body && !chat.contains(active)) { return; }
    if (by === "text" && active === input) { return; }
    var button = messages[messages.length - 1].querySelector(".rw-reply");
    var target = button || input;
    if (target) { nativeFocus.call(target); }
  }

  new MutationObserver(function () {
    label();
    announceNew();
    if (answered && !timer) { timer = window.setTimeout(settle, 150); }
  }).observe(chat, { childList: true, subtree: true });

  function answer(by) {
    answered = { by: by, shown: botMessages().length };
    announcer.textContent = "";  // the region holds the bot's reply to this answer, nothing older
  }

  // Capture phase: before the widget's own handlers, which remove the buttons and empty the text box.
  chat.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest(".rw-reply")) { answer("button"); }
  }, true);
  chat.addEventListener("submit", function () {
    var input = chat.querySelector(".rw-new-message");
    if (input && input.value.trim()) { answer("text"); }
  }, true);

  // The widget's answer buttons answer only to the mouse: Enter and Space choose one as a click would.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if ((event.key === "Enter" || event.key === " ") && target.classList && target.classList.contains("rw-reply")) {
      event.preventDefault();
      target.click();
    }
  });

  label();
  return { expect: function () { expected += 1; } };
})();

(function () {
  "use strict";
  var el = document.getElementById("webchat");
  var status = document.getElementById("chat-status");
  // What this page keeps in the browser: the widget's conversation and session id (session persistence),
  // and the page's language when the chat last connected.
  var KEPT = ["chat_session", "prescreen-language"];
  var started = 0;

  function start() {
    started += 1;
    window.WebChat.default({
      key: "chat-" + started,  // a new key makes React replace the widget: its store, its socket, its session
      selector: "#webchat",
      socketUrl: window.location.protocol + "//" + window.location.hostname + ":" + el.dataset.rasaPort,
      socketPath: "/socket.io/",
      initPayload: el.dataset.initPayload,
      customData: { language: el.dataset.language },
      title: el.dataset.title,
      subtitle: el.dataset.subtitle,
      inputTextFieldHint: el.dataset.hint,
      onSocketEvent: {
        // The page's language switch, in a conversation that already started in the other language: tell the
        // bot once connected (a new conversation gets the language with the opening payload). Socket.IO calls
        // the handler with the socket as `this`; the widget keeps its session in localStorage.
        connect: function () {
          var last = window.localStorage.getItem("prescreen-language");
          var stored = JSON.parse(window.localStorage.getItem("chat_session") || "{}");
          window.localStorage.setItem("prescreen-language", el.dataset.language);
          if (last && last !== el.dataset.language && stored.session_id) {
            this.emit("user_uttered", {
              message: el.dataset.setLanguage,
              customData: { language: el.dataset.language },
              session_id: stored.session_id
            });
          }
        },
        bot_uttered: function (message) {
          if (!message) { return; }
          var said = String(message.text || "");
          // The widget gets the same message object after this handler: it shows the text as paragraphs
          // and lists (see asParagraphs), and the page announces it once shown (see window.PrescreenA11y).
          if (typeof message.text === "string") { message.text = asParagraphs(message.text); }
          window.PrescreenA11y.expect();
          if (message.metadata && message.metadata.prescreen === "erased") {
            forgetOnceShown(said);
          }
        }
      },
      embedded: true,
      showFullScreenButton: false,
      showMessageDate: false,
      params: { storage: "local" },
      // The default "typing" pause grows with message length (7 s before the consent buttons);
      // a short fixed pause keeps the rhythm without making volunteers wait.
      customMessageDelay: function () { return 400; }
    }, el);
  }

  // The bot writes one sentence or list item per line ("\n"), and "- " before each item of a list. The widget
  // reads its messages as Markdown, where a single line break is only a space and a line after a list item
  // joins that item: "…platelets and hemoglobin This is not a final decision". So each line becomes a
  // paragraph of its own, and lines starting "- " stay together as one list. Text only: Markdown has no HTML here.
  function asParagraphs(text) {
    var blocks = [];
    var list = [];
    text.split("\n").forEach(function (line) {
      if (/^\s*[-*\u2022]\s/.test(line)) {
        list.push("- " + line.replace(/^\s*[-*\u2022]\s+/, ""));
        return;
      }
      if (list.length) { blocks.push(list.join("\n")); list = []; }
      if (line.trim()) { blocks.push(line.trim()); }
    });
    if (list.length) { blocks.push(list.join("\n")); }
    return blocks.join("\n\n");
  }

  // "Delete my data", confirmed: the server has deleted the conversation, and its confirmation carries the
  // marker {"prescreen": "erased"} (actions/actions.py). The browser forgets it too, once the widget has shown
  // the confirmation (it saves its conversation each time it shows a message, so not before): the stored
  // conversation and session id go, the confirmation stays in view above the chat (as text, never HTML), and
  // a new widget starts a new conversation, as a reload would.
  function forgetOnceShown(text) {
    var done = false;
    var observer = new MutationObserver(check);
    var fallback = window.setTimeout(forget, 5000);

    function shown() {  // compared without white space: the widget shows each line as a paragraph
      var said = text.replace(/\s+/g, "");
      return Array.prototype.some.call(el.querySelectorAll(".rw-response .rw-message-text"), function (node) {
        return node.textContent.replace(/\s+/g, "") === said;
      });
    }
    function check() {
      if (shown()) { forget(); }
    }
    function forget() {
      if (done) { return; }
      done = true;
      observer.disconnect();
      window.clearTimeout(fallback);
      KEPT.forEach(function (key) {
        window.localStorage.removeItem(key);
        window.sessionStorage.removeItem(key);
      });
      status.textContent = text;
      status.hidden = false;
      start();
      status.scrollIntoView({ block: "nearest" });
    }
    // The widget calls this handler before its own, and shows the message after its typing pause.
    observer.observe(el, { childList: true, subtree: true, characterData: true });
  }

  start();
})();
