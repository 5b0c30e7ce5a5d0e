/* Sigma LMS course player: progress reports, video tracking and the interactive transcript.
 * Plain JavaScript, no dependencies. YouTube and Vimeo are driven through their postMessage APIs,
 * so no provider script is loaded. Everything degrades to a readable page without JavaScript. */
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

  // The item was shown: first start, last interaction, streak.
  post({event: "start"}).then(function (data) {
    var streak = document.getElementById("streak");
    if (data && streak) {
      streak.textContent = "🔥 " + data.streak_days + " day" + (data.streak_days === 1 ? "" : "s") + " streak";
    }
  });

  // Keep the current module visible in a long outline.
  var current = root.dataset.module && document.getElementById("m" + root.dataset.module);
  if (current) current.scrollIntoView({block: "center"});

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
    post({event: "ended", percent: "100"});
  }

  setInterval(function () {
    var p = percent();
    if (!state.ended && p > state.lastSent) { state.lastSent = p; post({event: "watch", percent: String(p)}); }
  }, REPORT_EVERY_MS);

  function seek(t) {
    if (provider === "internal") { video.currentTime = t; video.play(); return; }
    var target = video.contentWindow;
    if (provider === "youtube") {
      target.postMessage(JSON.stringify({event: "command", func: "seekTo", args: [t, true]}), "*");
      target.postMessage(JSON.stringify({event: "command", func: "playVideo", args: []}), "*");
    } else if (provider === "vimeo") {
      target.postMessage(JSON.stringify({method: "setCurrentTime", value: t}), "*");
      target.postMessage(JSON.stringify({method: "play"}), "*");
    }
  }

  if (provider === "internal") {
    video.addEventListener("timeupdate", function () { onTime(video.currentTime, video.duration); });
    video.addEventListener("ended", onEnded);
  } else {
    window.addEventListener("message", function (event) {
      var host = "";
      try { host = new URL(event.origin).hostname; } catch (e) { return; }
      if (!/(^|\.)(youtube-nocookie\.com|youtube\.com|vimeo\.com)$/.test(host)) return;
      var data = event.data;
      if (typeof data === "string") { try { data = JSON.parse(data); } catch (e) { return; } }
      if (!data) return;
      if (provider === "youtube" && data.event === "infoDelivery" && data.info) {
        if (typeof data.info.currentTime === "number") onTime(data.info.currentTime, data.info.duration);
        if (data.info.playerState === 0) onEnded();
      } else if (provider === "vimeo") {
        if (data.event === "ready") {
          ["timeupdate", "ended"].forEach(function (name) {
            video.contentWindow.postMessage(JSON.stringify({method: "addEventListener", value: name}), "*");
          });
        } else if (data.event === "timeupdate" && data.data) {
          onTime(data.data.seconds, data.data.duration);
        } else if (data.event === "ended") {
          onEnded();
        }
      }
    });
    video.addEventListener("load", function () {
      if (provider === "youtube") {
        // Ask the YouTube player to stream its state (infoDelivery messages) to this page.
        video.contentWindow.postMessage(JSON.stringify({event: "listening", id: "player-video", channel: "widget"}), "*");
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
      active.scrollIntoView({block: "nearest"});
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
