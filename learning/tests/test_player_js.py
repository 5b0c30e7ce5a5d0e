"""static/js/player.js, run under Node in a small fake DOM (learning/tests/js/player_behaviour.js):
the YouTube/Vimeo handshakes, the final report on pagehide, the outline scrolled in its own container,
the outline patched after "mark as done", resource opens recorded with a POST. Plus a check that the
page carries the hooks the script reads."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from learning.tests.test_player_fixtures import build_tree, clear_memos

HARNESS = Path(__file__).parent / "js" / "player_behaviour.js"
SCRIPT = Path(settings.BASE_DIR) / "static" / "js" / "player.js"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is needed to run the player script")
def test_player_script_behaviour():
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [shutil.which("node"), str(HARNESS), str(SCRIPT)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("ok ") == 5


@pytest.fixture
def tree(world):
    clear_memos()
    yield build_tree(world.a)
    clear_memos()


def test_the_page_carries_the_hooks_the_script_reads(client, tree):
    client.force_login(tree.student)
    html = client.get(reverse("player:item", args=[tree.offering.pk, tree.r1.pk])).content.decode()
    assert f'data-root="{tree.root.pk}"' in html and f'data-item="{tree.r1.pk}"' in html
    assert f'data-module="{tree.lesson_a2.pk}"' in html and 'id="course-progress"' in html
    assert 'class="player-outline"' in html and "data-record-url=" in html
