// "Copy link" buttons of the course page: copy the text field the button names (data-copy-target).
// Without JavaScript the buttons stay hidden and the read-only field can be selected and copied by hand.
(function () {
  "use strict";
  function copy(input) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(input.value);
    }
    input.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }
  document.querySelectorAll("button[data-copy-target]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input) {
      return;
    }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(input).then(
        function () { button.textContent = "Copied"; },
        function () { input.select(); button.textContent = "Press Ctrl+C to copy"; }
      );
      window.setTimeout(function () { button.textContent = label; }, 2000);
    });
  });
  document.querySelectorAll("input[data-share-link]").forEach(function (input) {
    input.addEventListener("focus", function () { input.select(); });
  });
})();
