"""The traffic of ``bench/load.py``: run by locust in its own virtual environment, never imported by Django.

The mix (weights per simulated user, then per task): anonymous visitors browse the catalog and search;
students sign in once through the log-in form (one Argon2 hash each, as in life) and then read in the
player, start or resume the practice quiz and save an answer, and now and then ask the tutor (one
streamed reply read to its end); instructors sign in and open the gradebook, page and sort it.
``LOAD_PLAN`` (a JSON file written by bench/load.py) names the accounts, the offering and the items.
Every response is checked: 5xx and connection failures are errors; a 4xx the product answers on purpose
(a tutor budget used up, a quiz answer refused) is named with the request so it shows in the table.
"""

import json
import os
import random
import re
from itertools import count

from locust import HttpUser, between, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read())  # noqa: SIM115
SEARCHES = ["calculus", "linear", "engineering", "data", "physics", "chemistry", "algebra", "systems"]
_students = count()
_instructors = count()


def _csrf(user) -> str:
    return user.client.cookies.get("csrftoken", "")


def _login(user, email: str) -> None:
    user.client.get("/accounts/login/", name="log-in page")
    with user.client.post("/accounts/login/", data={"username": email, "password": PLAN["password"],
                                                    "csrfmiddlewaretoken": _csrf(user)},
                          headers={"Referer": user.host + "/accounts/login/"}, name="log in",
                          catch_response=True, allow_redirects=False) as response:
        if response.status_code != 302:
            response.failure(f"log-in answered {response.status_code}")


class Visitor(HttpUser):
    weight = 4
    wait_time = between(1, 5)

    @task(3)
    def catalog(self):
        self.client.get("/courses/", name="catalog")

    @task(2)
    def search(self):
        self.client.get(f"/courses/?q={random.choice(SEARCHES)}", name="catalog search")

    @task(1)
    def home(self):
        self.client.get("/", name="home")

    @task(2)
    def course_page(self):
        self.client.get(random.choice(PLAN["course_pages"]), name="course page")


class Student(HttpUser):
    weight = 5
    wait_time = between(2, 8)

    def on_start(self):
        self.email = PLAN["students"][next(_students) % len(PLAN["students"])]
        _login(self, self.email)
        self.offering = PLAN["offering"]

    @task(2)
    def my_learning(self):
        self.client.get("/learn/", name="my learning")

    @task(4)
    def player(self):
        self.client.get(f"/learn/{self.offering}/", name="player: resume")

    @task(4)
    def item(self):
        self.client.get(f"/learn/{self.offering}/item/{random.choice(PLAN['items'])}/", name="player: item")

    @task(2)
    def quiz(self):
        start = f"/learn/{self.offering}/quiz/{PLAN['quiz_item']}/start/"
        with self.client.post(start, data={"csrfmiddlewaretoken": _csrf(self)}, headers={"Referer": self.host},
                              name="quiz: start or resume", catch_response=True) as response:
            if response.status_code >= 500:
                response.failure(f"{response.status_code}")
                return
            match = re.search(r"/attempts/(\d+)/", response.url or "")
            if not match:
                response.success()  # refused with a message (attempts used up): the product's answer
                return
        attempt_url = response.url.split("?")[0]
        with self.client.post(attempt_url + "answer/", data={"position": "1", "q1": "1",
                                                            "csrfmiddlewaretoken": _csrf(self)},
                              headers={"Referer": self.host, "X-CSRFToken": _csrf(self)},
                              name="quiz: save answer", catch_response=True) as answer:
            if answer.status_code in (400, 409):
                answer.success()  # an answer the question refuses, or time up: said in JSON, nothing saved
            elif answer.status_code >= 500:
                answer.failure(f"{answer.status_code}")

    @task(1)
    def tutor(self):
        item = PLAN["tutor_item"]
        base = f"/tutor/o/{self.offering}/i/{item}/"
        with self.client.post(base + "send/", data={"content": "Why is the derivative of x squared 2x?",
                                                   "csrfmiddlewaretoken": _csrf(self)},
                              headers={"Accept": "application/json", "Referer": self.host, "X-CSRFToken": _csrf(self)},
                              name="tutor: send", catch_response=True) as response:
            if response.status_code == 400:
                response.success()  # the budget for today is used up: the product's answer
                return
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
                return
            stream = response.json().get("stream_url")
        if stream:
            with self.client.get(stream, name="tutor: stream", stream=False, catch_response=True) as reply:
                if reply.status_code != 200 or "event: done" not in reply.text and "event: error" not in reply.text:
                    reply.failure(f"stream answered {reply.status_code} without an end event")


class Instructor(HttpUser):
    weight = 1
    wait_time = between(3, 10)

    def on_start(self):
        _login(self, PLAN["instructors"][next(_instructors) % len(PLAN["instructors"])])

    @task(3)
    def gradebook(self):
        self.client.get(PLAN["gradebook"], name="gradebook")

    @task(1)
    def gradebook_sorted(self):
        self.client.get(PLAN["gradebook"] + "?sort=final&page=2", name="gradebook: sorted, page 2")
