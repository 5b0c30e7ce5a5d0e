/* Asks before a destructive submit: <button data-confirm="Delete v2?"> or <form data-confirm="…">.
 * Replaces inline onclick="return confirm(…)", which the Content-Security-Policy refuses. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);
})();
