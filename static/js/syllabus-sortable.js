/* Drag-and-drop for the syllabus tree (no library). Posts {module, parent, position} to the reorder
   endpoint and reloads the page on success; the server's services keep depth and order consistent and
   refuse cycles, whose message is shown. Without JavaScript the ↑/↓ buttons and the Move page do the same. */
(function () {
  "use strict";
  var tree = document.getElementById("syllabus-tree");
  if (!tree || !tree.dataset.reorderUrl) return;
  var status = document.getElementById("tree-status");
  var dragged = null;

  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function node(el) { return el && el.closest ? el.closest("li.tree-node") : null; }
  function zone(event, row) {
    var rect = row.getBoundingClientRect();
    var y = (event.clientY - rect.top) / rect.height;
    return y < 0.3 ? "before" : y > 0.7 ? "after" : "inside";
  }
  function clear() {
    tree.querySelectorAll(".drop-before,.drop-after,.drop-inside").forEach(function (el) {
      el.classList.remove("drop-before", "drop-after", "drop-inside");
    });
  }
  tree.addEventListener("dragstart", function (event) {
    var li = node(event.target);
    if (!li || !li.dataset.parent) return;
    dragged = li;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", li.dataset.id);
  });
  tree.addEventListener("dragover", function (event) {
    var li = node(event.target);
    if (!dragged || !li || dragged === li || dragged.contains(li)) return;
    event.preventDefault();
    clear();
    var row = li.querySelector(".tree-row");
    var where = li.dataset.parent ? zone(event, row) : "inside";
    row.classList.add("drop-" + where);
  });
  tree.addEventListener("dragleave", clear);
  tree.addEventListener("drop", function (event) {
    var li = node(event.target);
    if (!dragged || !li || dragged === li || dragged.contains(li)) return;
    event.preventDefault();
    clear();
    var row = li.querySelector(".tree-row");
    var where = li.dataset.parent ? zone(event, row) : "inside";
    var parent, position;
    if (where === "inside") {
      parent = li.dataset.id;
      var list = li.querySelector(":scope > ul.tree-children");
      position = (list ? list.querySelectorAll(":scope > li.tree-node").length : 0) + 1;
      if (dragged.dataset.parent === parent) position -= 1;
    } else {
      parent = li.dataset.parent;
      position = parseInt(li.dataset.position, 10) + (where === "after" ? 1 : 0);
      // Within the same parent, the dragged node's own slot disappears before it is re-inserted.
      if (dragged.dataset.parent === parent && parseInt(dragged.dataset.position, 10) < position) position -= 1;
    }
    // "dragend" (which clears `dragged`) fires before the answer arrives: keep the moved id for the reload.
    var movedId = dragged.dataset.id;
    fetch(tree.dataset.reorderUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() },
      credentials: "same-origin",
      body: JSON.stringify({ module: movedId, parent: parent, position: Math.max(position, 1) })
    }).then(function (response) { return response.json(); }).then(function (data) {
      if (data.ok) { window.location.hash = "module-" + movedId; window.location.reload(); }
      else { status.textContent = data.error; status.classList.remove("d-none"); }
    }).catch(function () { status.textContent = "The move could not be saved."; status.classList.remove("d-none"); });
  });
  tree.addEventListener("dragend", function () { dragged = null; clear(); });
})();
