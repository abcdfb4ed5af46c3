// Start rasa-webchat for this page's trial. Settings come from data attributes, so the
// page needs no inline script (the Content-Security-Policy allows only our own files).
(function () {
  "use strict";
  var el = document.getElementById("webchat");
  window.WebChat.default({
    selector: "#webchat",
    socketUrl: window.location.protocol + "//" + window.location.hostname + ":" + el.dataset.rasaPort,
    socketPath: "/socket.io/",
    initPayload: el.dataset.initPayload,
    customData: { language: el.dataset.language },
    title: el.dataset.title,
    subtitle: el.dataset.subtitle,
    inputTextFieldHint: el.dataset.hint,
    // The page's language switch, in a conversation that already started in the other language: tell the
    // bot once connected (a new conversation gets the language with the opening payload). Socket.IO calls
    // the handler with the socket as `this`; the widget keeps its session in localStorage.
    onSocketEvent: {
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
