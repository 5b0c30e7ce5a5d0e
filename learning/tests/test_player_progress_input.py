"""Bad input on the player's progress endpoint: a 400 with a message, nothing written (issue 8)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from learning.models import UserContentProgress, UserModuleProgress
from learning.progress import services as progress_services


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("nan", progress_services.PERCENT_NOT_A_NUMBER),
        ("NaN", progress_services.PERCENT_NOT_A_NUMBER),
        ("inf", progress_services.PERCENT_NOT_A_NUMBER),
        ("-Infinity", progress_services.PERCENT_NOT_A_NUMBER),
        ("abc", progress_services.PERCENT_NOT_A_NUMBER),
        ("", progress_services.PERCENT_NOT_A_NUMBER),
        ("-1", progress_services.PERCENT_OUT_OF_RANGE),
        ("101", progress_services.PERCENT_OUT_OF_RANGE),
        ("1e999", progress_services.PERCENT_OUT_OF_RANGE),
    ],
)
@pytest.mark.parametrize("event", ["watch", "ended"])
def test_bad_percent_answers_400_and_writes_nothing(client, tree, value, message, event):
    client.force_login(tree.student)
    url = reverse("player:item-progress", args=[tree.offering.pk, tree.v1.pk])
    response = client.post(url, {"event": event, "percent": value})
    assert response.status_code == 400
    assert response.json() == {"error": message}
    assert not UserContentProgress.objects.exists()
    assert not UserModuleProgress.objects.exists()
    tree.student.refresh_from_db()
    assert tree.student.last_activity_date is None  # no streak either


def test_a_good_percent_is_still_recorded_and_100_completes(client, tree):
    client.force_login(tree.student)
    url = reverse("player:item-progress", args=[tree.offering.pk, tree.v1.pk])
    assert client.post(url, {"event": "watch", "percent": " 40.5 "}).json()["percent"] == 40.5
    data = client.post(url, {"event": "watch", "percent": "100"}).json()
    assert data["completed"] is True and data["percent"] == 100
    # "ended" without a percent is the end of the video.
    assert client.post(url, {"event": "ended"}).status_code == 200


def test_the_service_refuses_non_finite_numbers(tree):
    for value in (float("nan"), float("inf"), -0.01, 100.01):
        with pytest.raises(progress_services.ValidationError):
            progress_services.report_video_progress(user=tree.student, offering=tree.offering, item_id=tree.v1.pk, percent=value)
    assert not UserContentProgress.objects.exists()
