// The tutor panel: loads the panel into the player's dock, sends with fetch and streams the reply with
// EventSource (server-sent events). Without JavaScript the form posts and the page shows the reply.
(function () {
  "use strict";
  function csrf(form) { var i = form.querySelector("input[name=csrfmiddlewaretoken]"); return i ? i.value : ""; }

  function seek(seconds) {
    var video = document.getElementById("player-video");
    var seg = null;
    document.querySelectorAll(".seg[data-start]").forEach(function (b) {
      if (parseFloat(b.dataset.start) <= seconds) { seg = b; }
    });
    if (video && video.tagName === "VIDEO") { video.currentTime = seconds; video.play && video.play(); }
    else if (seg) { seg.click(); }
  }

  function wire(panel) {
    panel.addEventListener("click", function (e) {
      var cite = e.target.closest("a.tutor-cite");
      if (!cite) { return; }
      if (cite.dataset.seek) { e.preventDefault(); seek(parseFloat(cite.dataset.seek)); }
    });
    panel.querySelectorAll(".tutor-note-form").forEach(function (f) {
      f.addEventListener("submit", function () {
        var sel = String(window.getSelection ? window.getSelection() : "").trim();
        if (sel) { f.querySelector("input[name=selected_text]").value = sel.slice(0, 5000); }
      });
    });
    var form = panel.querySelector(".tutor-form");
    if (!form || !window.EventSource || !window.fetch) { return; }
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var input = form.querySelector("textarea[name=content]");
      var error = form.querySelector("#tutor-error");
      var list = panel.querySelector(".tutor-messages");
      var body = new FormData(form);
      form.querySelector("button[type=submit]").disabled = true;
      fetch(form.action, { method: "POST", body: body, headers: { "Accept": "application/json", "X-CSRFToken": csrf(form) }, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); })
        .then(function (res) {
          form.querySelector("button[type=submit]").disabled = false;
          if (!res.ok) { input.classList.add("is-invalid"); error.textContent = res.data.error || panel.dataset.textSendFailed || "Could not send."; return; }
          input.classList.remove("is-invalid"); error.textContent = ""; input.value = "";
          var q = document.createElement("li"); q.className = "tutor-message tutor-user";
          var qd = document.createElement("div"); qd.className = "tutor-question"; qd.textContent = res.data.user_message; q.appendChild(qd);
          list.appendChild(q);
          var a = document.createElement("li"); a.className = "tutor-message tutor-assistant"; a.id = "tutor-message-" + res.data.reply_id;
          var box = document.createElement("div"); box.className = "tutor-reply"; box.setAttribute("aria-busy", "true"); a.appendChild(box);
          list.appendChild(a);
          if (!res.data.stream_url) { box.innerHTML = res.data.html; box.removeAttribute("aria-busy"); return; }
          var text = "";
          var source = new EventSource(res.data.stream_url);
          source.addEventListener("delta", function (ev) { text += JSON.parse(ev.data).text; box.textContent = text; });
          source.addEventListener("replace", function (ev) { box.innerHTML = JSON.parse(ev.data).html; });
          source.addEventListener("done", function (ev) {
            var d = JSON.parse(ev.data); box.innerHTML = d.html; box.removeAttribute("aria-busy"); source.close();
          });
          source.onerror = function () { source.close(); box.removeAttribute("aria-busy"); };
        })
        .catch(function () { form.querySelector("button[type=submit]").disabled = false; error.textContent = panel.dataset.textUnreachable || "Could not reach the tutor."; });
    });
  }

  document.querySelectorAll(".tutor-panel").forEach(wire);
  document.querySelectorAll("details.tutor-dock").forEach(function (dock) {
    dock.addEventListener("toggle", function () {
      if (!dock.open || dock.dataset.loaded) { return; }
      dock.dataset.loaded = "1";
      fetch(dock.dataset.panelUrl, { credentials: "same-origin" }).then(function (r) { return r.ok ? r.text() : Promise.reject(r); })
        .then(function (html) {
          var body = dock.querySelector(".tutor-dock-body"); body.innerHTML = html;
          var panel = body.querySelector(".tutor-panel"); if (panel) { wire(panel); }
        }).catch(function () { dock.dataset.loaded = ""; });
    });
  });
})();
