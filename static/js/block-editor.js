// Block editor (text items, assignment instructions): each block shows only the fields of its chosen kind.
// The server renders the other kinds' fields `hidden`; this keeps that true when the author changes a
// block's kind. (Without JavaScript, lms.css does the same with :has() where the browser supports it.)
(function () {
  "use strict";

  function showKind(select) {
    var block = select.closest(".list-item-form");
    if (!block) return;
    block.querySelectorAll("[data-block-kind]").forEach(function (group) {
      group.hidden = group.getAttribute("data-block-kind") !== select.value;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-block-kind-select]")) showKind(event.target);
  });

  function showAll() {
    document.querySelectorAll("select[data-block-kind-select]").forEach(showKind);
  }
  // A page restored from the back/forward cache keeps the selects' values, not the groups' state.
  window.addEventListener("pageshow", showAll);
})();
