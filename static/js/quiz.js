// Quiz attempt page: a countdown (the server decides; this only shows it) and autosave of each answer
// as the student moves on. Without JavaScript the page still works: "Save answers" posts the form.
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) return;
  var status = document.getElementById("quiz-status");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var url = form.dataset.answerUrl;

  function say(text) { if (status) status.textContent = text; }
  // The words come from the page (data-text-* on the form, in the reader's language); English without them.
  function word(key, english) { return form.dataset["text" + key.charAt(0).toUpperCase() + key.slice(1)] || english; }

  // Submitting (or "Save answers") posts every answer with the form: autosaves still in flight are cancelled,
  // so none of them reaches an attempt that is already submitted (a 409 on the way out).
  var pending = [];
  var leaving = false;
  form.addEventListener("submit", function () {
    leaving = true;
    pending.forEach(function (controller) { controller.abort(); });
  });

  function save(fieldset) {
    var position = fieldset.dataset.position;
    var name = "q" + position;
    var body = new URLSearchParams();
    body.append("position", position);
    if (fieldset.dataset.kind === "multiple_select") {
      body.append("multiple", "1");
      fieldset.querySelectorAll("input[name='" + name + "']:checked").forEach(function (box) { body.append(name, box.value); });
    } else {
      var checked = fieldset.querySelector("input[name='" + name + "']:checked");
      var text = fieldset.querySelector("input[type=text][name='" + name + "']");
      body.append(name, checked ? checked.value : (text ? text.value : ""));
    }
    if (leaving) return;
    say(word("saving", "Saving…"));
    var controller = new AbortController();
    pending.push(controller);
    var done = function () { pending = pending.filter(function (c) { return c !== controller; }); };
    fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": csrf }, credentials: "same-origin", signal: controller.signal })
      .then(function (response) { return response.json().then(function (data) { return { ok: response.ok, status: response.status, data: data }; }); })
      .then(function (result) {
        done();
        var feedback = fieldset.querySelector(".quiz-feedback");
        if (result.ok) {
          say(word("saved", "Saved question {n}.").replace("{n}", position));
          if (feedback && result.data.feedback) {
            feedback.textContent = (result.data.feedback.correct ? "✓ " + word("correct", "Correct.") + " " : "✗ " + word("wrong", "Not right.") + " ") + (result.data.feedback.explanation || "");
          } else if (feedback) {
            feedback.textContent = "";
          }
        } else {
          say(result.data.error || word("notSaved", "Not saved."));
          if (feedback) feedback.textContent = result.data.error || "";
          if (result.status === 409) window.location.reload();
        }
      })
      .catch(function (error) {
        done();
        if (error && error.name === "AbortError") return;
        say(word("offline", "Not saved (no connection). Use “Save answers” before you leave."));
      });
  }

  form.querySelectorAll(".quiz-question").forEach(function (fieldset) {
    fieldset.addEventListener("change", function () { save(fieldset); });
  });

  var clock = document.getElementById("quiz-clock");
  if (clock) {
    var left = parseInt(clock.dataset.secondsLeft, 10);
    var end = Date.now() + left * 1000;
    var shown = clock.querySelector(".quiz-remaining");
    var tick = function () {
      var seconds = Math.max(0, Math.round((end - Date.now()) / 1000));
      var minutes = Math.floor(seconds / 60);
      shown.textContent = minutes + ":" + String(seconds % 60).padStart(2, "0");
      if (seconds <= 0) {
        say(word("timeUp", "Time is up: submitting…"));
        window.setTimeout(function () { window.location.reload(); }, 1500);  // the server closes it and shows the result
        return;
      }
      window.setTimeout(tick, 1000);
    };
    tick();
  }
})();
