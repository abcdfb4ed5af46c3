// Start rasa-webchat for this page's trial. Settings come from data attributes, so the
// page needs no inline script (the Content-Security-Policy allows only our own files).
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
          if (message && message.metadata && message.metadata.prescreen === "erased") {
            forgetOnceShown(String(message.text || ""));
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

  // "Delete my data", confirmed: the server has deleted the conversation, and its confirmation carries the
  // marker {"prescreen": "erased"} (actions/actions.py). The browser forgets it too, once the widget has shown
  // the confirmation (it saves its conversation each time it shows a message, so not before): the stored
  // conversation and session id go, the confirmation stays in view above the chat (as text, never HTML), and
  // a new widget starts a new conversation, as a reload would.
  function forgetOnceShown(text) {
    var done = false;
    var observer = new MutationObserver(check);
    var fallback = window.setTimeout(forget, 5000);

    function shown() {
      var said = text.replace(/\s+/g, " ").trim();
      return Array.prototype.some.call(el.querySelectorAll(".rw-response .rw-message-text"), function (node) {
        return node.textContent.replace(/\s+/g, " ").trim() === said;
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

// The widget's answer buttons answer only to the mouse: make each one reachable with Tab
// (tabindex, role) and let Enter and Space choose it, so the chat works by keyboard alone.
new MutationObserver(function () {
  document.querySelectorAll(".rw-reply:not([tabindex])").forEach(function (button) {
    button.setAttribute("tabindex", "0");
    button.setAttribute("role", "button");
  });
}).observe(document.getElementById("webchat"), { childList: true, subtree: true });

document.addEventListener("keydown", function (event) {
  var target = event.target;
  if ((event.key === "Enter" || event.key === " ") && target.classList && target.classList.contains("rw-reply")) {
    event.preventDefault();
    target.click();
  }
});
