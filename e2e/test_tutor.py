"""The AI tutor in the browser, with the real small model (issue 20): a student opens the tutor beside a video
of the demo course, asks, and watches the reply stream in through ``static/js/tutor.js`` (fetch, then
EventSource on our server-sent-event view, fed by llama.cpp's OpenAI-compatible server with SmolLM2-135M
through the ``openai`` provider); the reply is still there after a reload. The server is started from
``$LLAMA_VENV`` as in ``tutoring/tests/test_real_model.py``: a missing install fails, never skips. Nothing here
judges what the model says."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from e2e.conftest import log_in
from e2e.demo import calculus
from tutoring.tests.llama_server import provider_environment, running_llama_server

STUDENT = "student1@nit.example.edu"
QUESTION = "What is this video about?"
# Counts every text change of a reply box: the script rewrites it at each streamed piece.
COUNT_UPDATES = """() => {
  window.tutorUpdates = 0;
  new MutationObserver((records) => {
    records.forEach((r) => {
      const node = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (node && node.closest && node.closest(".tutor-assistant .tutor-reply")) { window.tutorUpdates += 1; }
    });
  }).observe(document.querySelector(".tutor-messages"), {childList: true, subtree: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def demo(site):
    return calculus()


@pytest.fixture(scope="module")
def real_model():
    with running_llama_server("The tutor's browser test") as server, pytest.MonkeyPatch.context() as patch:
        for name, value in provider_environment(server, max_tokens=48).items():
            patch.setenv(name, value)  # the live server runs in this process
        yield server


def test_a_student_asks_and_the_reply_streams_in(journey, site, demo, real_model):
    page = journey.page
    log_in(page, site, STUDENT)
    page.goto(site(f"/learn/{demo.offering.pk}/item/{demo.items['video'].pk}/"))
    page.get_by_text("Ask the AI tutor").click()
    box = page.get_by_label("Ask the tutor about", exact=False)
    expect(box).to_be_visible()
    expect(page.get_by_text("Replies are written by an AI and may be wrong", exact=False)).to_be_visible()
    page.evaluate(COUNT_UPDATES)
    box.fill(QUESTION)
    page.locator(".tutor-form").get_by_role("button", name="Send").click()

    expect(page.locator(".tutor-user .tutor-question").last).to_have_text(QUESTION)
    reply = page.locator(".tutor-assistant .tutor-reply").last
    expect(reply).to_have_attribute("aria-busy", "true")
    expect(reply).not_to_have_attribute("aria-busy", "true", timeout=150_000)  # the done event arrived
    shown = reply.inner_text().strip()
    assert shown, "the reply is empty"
    assert page.evaluate("window.tutorUpdates") >= 3  # it arrived in pieces, not at once
    journey.step("tutor reply streamed")

    # Stored on the server: after a reload the panel shows the same conversation.
    page.reload()
    page.get_by_text("Ask the AI tutor").click()
    expect(page.locator(".tutor-user .tutor-question").last).to_have_text(QUESTION)
    expect(page.locator(".tutor-assistant .tutor-reply").last).to_have_text(shown)
    journey.step("tutor reply after reload")
