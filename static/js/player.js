/* Sigma LMS course player: progress reports, video tracking and the interactive transcript.
 * Plain JavaScript, no dependencies. YouTube and Vimeo are driven through their postMessage APIs,
 * so no provider script is loaded. Everything degrades to a readable page without JavaScript.
 * Behaviour is tested under Node by learning/tests/js/player_behaviour.js (test_player_js.py). */
(function () {
  "use strict";
  var root = document.getElementById("player");
  if (!root) return;
  var progressUrl = root.dataset.progressUrl;
  var csrf = root.dataset.csrf;
  var REPORT_EVERY_MS = 15000;

  function post(fields) {
    if (!progressUrl) return Promise.resolve(null);
    var body = new URLSearchParams(fields);
    return fetch(progressUrl, {
      method: "POST", body: body, credentials: "same-origin", keepalive: true,
      headers: {"X-CSRFToken": csrf}
    }).then(function (r) { return r.ok ? r.json() : null; }).catch(function () { return null; });
  }

  // A last report while the page goes away (tab closed, navigation): sendBeacon survives the unload;
  // the CSRF token travels in the form body because a beacon cannot set headers.
  function beacon(fields) {
    if (!progressUrl) return;
    var form = new FormData();
    Object.keys(fields).forEach(function (k) { form.append(k, fields[k]); });
    form.append("csrfmiddlewaretoken", csrf);
    if (!(navigator.sendBeacon && navigator.sendBeacon(progressUrl, form))) {
      fetch(progressUrl, {method: "POST", body: form, credentials: "same-origin", keepalive: true}).catch(function () {});
    }
  }

  // Patch the page after a write (mark as done through htmx, the end of a video): the outline overlay
  // (the same rules as learning.player.outline.progress_overlay_css, appended after it so they win), the
  // course percent in the header, the item's mark in "In this module" and the streak.
  var liveStyle = null;
  function applyProgress(data) {
    if (!data) return;
    var rules = [];
    (data.modules || []).forEach(function (m) {
      var id = parseInt(m.id, 10);
      if (!id) return;
      if (String(id) === root.dataset.root) {
        var badge = document.getElementById("course-progress");
        // data-final: the enrollment is completed, the header says so whatever the rollups say.
        if (badge && !badge.hasAttribute("data-final")) {
          // The words come from the page (data-text-*, in the reader's language); English without them.
          badge.textContent = m.complete
            ? (badge.dataset.textComplete || "Course complete ✓")
            : (badge.dataset.textPercent || "{percent}% complete").replace("{percent}", m.percent);
        }
      } else if (m.complete) {
        rules.push("#m" + id + '>a{--po:" \\2713";--pc:#198754;color:#198754}');
      } else if (m.percent > 0) {
        rules.push("#m" + id + '>a{--po:" ' + parseInt(m.percent, 10) + '%"}');
      }
    });
    if (rules.length) {
      if (!liveStyle) {
        liveStyle = document.createElement("style");
        liveStyle.id = "po-live";
        document.head.appendChild(liveStyle);
      }
      liveStyle.appendChild(document.createTextNode(rules.join("\n") + "\n"));
    }
    if (data.completed && String(data.item) === root.dataset.item) {
      var row = document.querySelector('.player-module li[aria-current="true"]');
      if (row && row.children.length >= 2) {
        row.children[0].textContent = "✓";
        row.children[1].textContent = "Completed:";
      }
    }
    var streak = document.getElementById("streak");
    if (streak && typeof data.streak_days === "number") {
      var fire = document.createElement("i");
      fire.className = "bi bi-fire"; fire.setAttribute("aria-hidden", "true");
      streak.replaceChildren(fire, " " + data.streak_days + " day" + (data.streak_days === 1 ? "" : "s") + " streak");
    }
  }
  // htmx raises this event from the HX-Trigger header of the "mark as done" response.
  document.addEventListener("sigma:progress", function (event) { applyProgress(event.detail); });

  // Scroll ``el`` into view inside its scrolling ``container`` only (scrollIntoView would also scroll
  // the window, moving the page away from the item the student opened). ``center``: centre it;
  // otherwise scroll the least needed to show it.
  function scrollWithin(container, el, center) {
    if (!container || !el) return;
    var box = container.getBoundingClientRect(), r = el.getBoundingClientRect();
    if (center) {
      container.scrollTop += (r.top - box.top) - (container.clientHeight - r.height) / 2;
    } else if (r.top < box.top) {
      container.scrollTop += r.top - box.top;
    } else if (r.bottom > box.bottom) {
      container.scrollTop += r.bottom - box.bottom;
    }
  }

  // The item was shown: first start, last interaction, streak.
  post({event: "start"}).then(applyProgress);

  // Keep the current module visible in a long outline.
  var current = root.dataset.module && document.getElementById("m" + root.dataset.module);
  if (current) scrollWithin(document.querySelector(".player-outline"), current, true);

  // Resource links open the resource themselves (so they work without JavaScript); opening one is
  // recorded with a POST that outlives the navigation (keepalive).
  function recordOpen(event) {
    var link = event.target.closest && event.target.closest("a[data-record-url]");
    if (!link || (event.type === "auxclick" && event.button !== 1)) return;
    fetch(link.dataset.recordUrl, {
      method: "POST", credentials: "same-origin", keepalive: true, headers: {"X-CSRFToken": csrf}
    }).catch(function () {});
  }
  document.addEventListener("click", recordOpen);
  document.addEventListener("auxclick", recordOpen);

  var video = document.getElementById("player-video");
  if (!video) return;
  var provider = video.dataset.provider;
  var state = {time: 0, duration: parseFloat(document.querySelector(".content-video").dataset.duration) || 0,
               furthest: 0, lastSent: -1, ended: false};
  var bar = document.getElementById("watched-bar");

  function percent() {
    return state.duration > 0 ? Math.min(100, Math.round(1000 * state.furthest / state.duration) / 10) : 0;
  }

  function onTime(t, duration) {
    state.time = t;
    if (duration) state.duration = duration;
    if (t > state.furthest) state.furthest = t;
    highlight(t);
    if (bar) { var p = Math.round(percent()); bar.style.width = p + "%"; bar.textContent = p + "%"; }
  }

  function onEnded() {
    if (state.ended) return;
    state.ended = true;
    state.furthest = state.duration;
    post({event: "ended", percent: "100"}).then(applyProgress);
  }

  setInterval(function () {
    var p = percent();
    if (!state.ended && p > state.lastSent) { state.lastSent = p; post({event: "watch", percent: String(p)}); }
  }, REPORT_EVERY_MS);

  // The student leaves between two reports: send what was watched since the last one.
  window.addEventListener("pagehide", function () {
    var p = percent();
    if (!state.ended && p > state.lastSent) { state.lastSent = p; beacon({event: "watch", percent: String(p)}); }
  });

  // Messages go to the embed's own origin only (the iframe src: youtube-nocookie.com, player.vimeo.com).
  var embedOrigin = "*";
  try { if (video.src) embedOrigin = new URL(video.src, location.href).origin; } catch (e) { /* keep "*" */ }
  function send(message) {
    if (video.contentWindow) video.contentWindow.postMessage(JSON.stringify(message), embedOrigin);
  }

  function seek(t) {
    if (provider === "internal") { video.currentTime = t; video.play(); return; }
    if (provider === "youtube") {
      send({event: "command", func: "seekTo", args: [t, true]});
      send({event: "command", func: "playVideo", args: []});
    } else if (provider === "vimeo") {
      send({method: "setCurrentTime", value: t});
      send({method: "play"});
    }
  }

  if (provider === "internal") {
    video.addEventListener("timeupdate", function () { onTime(video.currentTime, video.duration); });
    video.addEventListener("ended", onEnded);
  } else {
    // The handshake. An embedded player ignores messages sent before its own script is ready, and
    // the iframe's "load" event says nothing about that, so a single message is easily lost:
    // - YouTube streams its state (infoDelivery) only after it has received "listening": send it
    //   repeatedly until the player answers with any message;
    // - Vimeo announces "ready" once, possibly before this script ran: "ping" makes it announce
    //   again, and the event listeners are registered after "ready" only.
    var answered = false, tries = 0;
    var HANDSHAKE_EVERY_MS = 250, HANDSHAKE_TRIES = 120;  // 30 s, then give up (a blocked embed)
    function handshake() {
      if (answered || tries++ >= HANDSHAKE_TRIES) { clearInterval(handshakeTimer); return; }
      if (provider === "youtube") send({event: "listening", id: "player-video", channel: "widget"});
      else if (provider === "vimeo") send({method: "ping"});
    }
    var handshakeTimer = setInterval(handshake, HANDSHAKE_EVERY_MS);
    video.addEventListener("load", handshake);
    handshake();

    window.addEventListener("message", function (event) {
      if (event.source !== video.contentWindow) return;
      var host = "";
      try { host = new URL(event.origin).hostname; } catch (e) { return; }
      if (!/(^|\.)(youtube-nocookie\.com|youtube\.com|vimeo\.com)$/.test(host)) return;
      var data = event.data;
      if (typeof data === "string") { try { data = JSON.parse(data); } catch (e) { return; } }
      if (!data) return;
      if (provider === "youtube") {
        if (!answered) { answered = true; clearInterval(handshakeTimer); }
        if ((data.event === "infoDelivery" || data.event === "initialDelivery") && data.info) {
          if (typeof data.info.currentTime === "number") onTime(data.info.currentTime, data.info.duration);
          if (data.info.playerState === 0) onEnded();
        }
      } else if (provider === "vimeo") {
        if (data.event === "ready") {
          if (answered) return;  // a late answer to an earlier ping
          answered = true;
          clearInterval(handshakeTimer);
          ["timeupdate", "ended"].forEach(function (name) { send({method: "addEventListener", value: name}); });
        } else if (data.event === "timeupdate" && data.data) {
          onTime(data.data.seconds, data.data.duration);
        } else if (data.event === "ended") {
          onEnded();
        }
      }
    });
  }

  // Transcript: highlight the current segment, click to seek, search inside.
  var segments = Array.prototype.slice.call(document.querySelectorAll(".transcript .seg"));
  var active = null;
  function highlight(t) {
    var found = null;
    for (var i = 0; i < segments.length; i++) {
      var s = segments[i];
      if (t >= parseFloat(s.dataset.start) && t < parseFloat(s.dataset.end)) { found = s; break; }
    }
    if (found === active) return;
    if (active) { active.classList.remove("seg-current"); active.removeAttribute("aria-current"); }
    active = found;
    if (active) {
      active.classList.add("seg-current");
      active.setAttribute("aria-current", "true");
      scrollWithin(active.closest(".transcript-list"), active, false);
    }
  }
  segments.forEach(function (s) {
    s.addEventListener("click", function () { seek(parseFloat(s.dataset.start)); });
  });
  var search = document.getElementById("transcript-search");
  var count = document.getElementById("transcript-count");
  if (search) {
    search.addEventListener("input", function () {
      var q = search.value.trim().toLowerCase();
      var hits = 0;
      segments.forEach(function (s) {
        var match = q && s.querySelector(".seg-text").textContent.toLowerCase().indexOf(q) !== -1;
        s.classList.toggle("seg-match", !!match);
        s.parentNode.hidden = !!q && !match;
        if (match) hits++;
      });
      count.textContent = q ? hits + " matching segment" + (hits === 1 ? "" : "s") : "";
    });
  }
})();
