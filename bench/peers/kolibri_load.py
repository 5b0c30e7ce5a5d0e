"""Runs INSIDE Kolibri's own virtual environment (``kolibri manage shell`` reads it from stdin), never ours.

Loads a channel of the same XXL shape as ``bench/player.py`` (root → 20 units → 9 chapters → 10 lessons =
2,000 topics, and 10,000 leaves: 5 per lesson, the second of each lesson a video, the others documents),
available on the device, and a learner with finished progress on the first half of the leaves in
tree order (5,000 summary logs). Idempotent: a second run finds the channel and does nothing.
Prints one JSON line: {"channel": ..., "root": ..., "learner": ..., "password": ...}.
"""

import json
import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from kolibri.core.auth.models import Facility, FacilityUser
from kolibri.core.content.models import ChannelMetadata, ContentNode
from kolibri.core.logger.models import ContentSummaryLog

UNITS, CHAPTERS, LESSONS, LEAVES = 20, 9, 10, 5
CHANNEL = "5c0ffee000004000800000000000000" + "1"
LEARNER, PASSWORD = "bench-learner", "bench-pass-2026"


def build() -> dict:
    nodes = []  # (node, children) built depth first; lft/rght assigned by a counter, as MPTT would
    counter = iter(range(1, 10**9))

    def node(title, kind, level, parent, sort_order):
        return ContentNode(
            id=uuid.uuid4().hex, content_id=uuid.uuid4().hex, channel_id=CHANNEL, title=title, kind=kind,
            available=True, parent_id=parent.id if parent else None, tree_id=1, level=level,
            sort_order=sort_order, license_owner="", author="", options={},
        )

    def walk(n, children_of):
        n.lft = next(counter)
        nodes.append(n)
        for child in children_of(n):
            walk(child, children_of)
        n.rght = next(counter)

    root = node("A very large course", "topic", 0, None, 1)
    shape = {}
    lessons_seen = iter(range(10**9))

    def children_of(n):
        if n.level < 3:
            count = (UNITS, CHAPTERS, LESSONS)[n.level]
            label = ("Unit", "Chapter", "Lesson")[n.level]
            kids = [node(f"{label} {i + 1}", "topic", n.level + 1, n, i + 1) for i in range(count)]
        elif n.level == 3:  # 10,000 leaves over 1,800 lessons: the first 1,000 lessons get a sixth, as bench/player.py
            lesson_number = next(lessons_seen)
            count = LEAVES + (1 if lesson_number < 10_000 - LEAVES * UNITS * CHAPTERS * LESSONS else 0)
            kids = [node(f"Item {i + 1}", "video" if i == 1 else "document", 4, n, i + 1) for i in range(count)]
        else:
            kids = []
        shape[n.id] = len(kids)
        return kids

    walk(root, children_of)
    with transaction.atomic():
        ContentNode.objects.bulk_create(nodes, batch_size=500)
        ChannelMetadata.objects.create(
            id=CHANNEL, name="A very large course", description="", author="", version=1,
            root_id=root.id, min_schema_version="1", published_size=0, total_resource_count=10_000,
        )
        facility = Facility.get_default_facility() or Facility.objects.create(name="Bench")
        learner = FacilityUser.objects.create(username=LEARNER, facility=facility, full_name="Bench Learner")
        learner.set_password(PASSWORD)
        learner.save()
        leaves = [n for n in nodes if n.kind != "topic"][: 10_000 // 2]
        now = timezone.now()
        for i, n in enumerate(leaves):  # one save each: Morango computes the syncable id and partition in save()
            moment = now - timedelta(minutes=5000 - i)
            ContentSummaryLog(
                user=learner, content_id=n.content_id, channel_id=CHANNEL, kind=n.kind, start_timestamp=moment,
                end_timestamp=moment, completion_timestamp=moment, time_spent=60, progress=1.0,
            ).save()
    topics = sum(1 for n in nodes if n.kind == "topic") - 1
    return {"channel": CHANNEL, "root": root.id, "topics": topics, "leaves": len(nodes) - topics - 1}


existing = ChannelMetadata.objects.filter(id=CHANNEL).first()
info = build() if existing is None else {"channel": CHANNEL, "root": str(existing.root_id).replace("-", "")}
print(json.dumps({**info, "learner": LEARNER, "password": PASSWORD, "facility": Facility.get_default_facility().id}))
