"""The ``content_context`` snapshot: what the tutor knows about the item, taken when a session starts.

``build_snapshot(item, practice_questions=None, practice_attempt=None)`` answers a JSON-able dict::

    {"version": 1, "hash": <sha256 of the item's title, description, type and data_json>,
     "item": {"id", "title", "type", "course"},
     "description": str,
     "segments": [{"n": 1, "start": 12.0, "end": 15.5, "text": …}],   # a video's transcript
     "blocks":   [{"n": 1, "kind": "paragraph"|"math"|"image"|"links", "text": …}],  # text / assignment
     "resources": [{"label", "kind"}],
     "quiz": {"mode", "questions_per_attempt", "time_limit_seconds", "questions": [{"text", "choices"}]},
     "lab": {"runtime", "visible_files": [paths], "files": [{"path", "text"}], "timeout_seconds"},
     "assignment": {"max_points", "submission_types"},
     "practice_attempt": <id of the open practice attempt whose questions are in "quiz", or None>,
     "chars": <characters of passage text kept>, "truncated": bool}

**No answers ever enter it**: a quiz contributes its settings and, for a *practice* attempt the student
is looking at, the question texts and choice texts only (never which is correct, never feedback); a
lab gives only the files a student can download (``student_visible`` starter code and ``read_only``
files, paths and text): hidden tests and solutions are left out. A lab's instructions are its description.

**Size cap**: the passages (segments, blocks, question texts, lab file texts) together keep at most
``CONTEXT_CHAR_LIMIT`` = 12,000 characters, in document order; the rest is dropped and ``truncated``
says so. Open edX caps unit content at 11,750 characters because long transcripts crowded out the
history; 12,000 characters is about 3,000 tokens, which leaves room for the history and the reply in a
small model's 8k window (the 2k-context SmolLM2 test model sees a shorter item).

``content_hash(item)`` changes whenever the item does; a session whose snapshot carries another hash
takes a fresh one when it is next opened.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

SNAPSHOT_VERSION = 1
CONTEXT_CHAR_LIMIT = 12_000
# The lab files a student can download (docs/labs.md); hidden tests and solutions never leave the server.
LAB_VISIBLE_ROLES = ("student_visible", "read_only")


def content_hash(item) -> str:
    payload = json.dumps(
        [item.title, item.description or "", item.content_type.name, item.data_json],
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class _Budget:
    def __init__(self, limit: int):
        self.left = limit
        self.used = 0
        self.truncated = False

    def take(self, text: str) -> str | None:
        if self.left <= 0:
            self.truncated = self.truncated or bool(text)
            return None
        if len(text) > self.left:
            text = text[: self.left]
            self.truncated = True
        self.left -= len(text)
        self.used += len(text)
        return text


def _block_text(block: dict) -> tuple[str, str] | None:
    kind = block.get("type")
    if kind == "paragraph":
        return "paragraph", str(block.get("text") or "")
    if kind == "math":
        return "math", "$" + str(block.get("latex") or "") + "$"
    if kind == "image":
        text = " ".join(str(block.get(k) or "") for k in ("caption", "alt_text")).strip()
        return ("image", text) if text else None
    if kind == "link_list":
        return "links", "; ".join(str(link.get("label") or "") for link in block.get("items") or [])
    return None


def build_snapshot(
    item, *, course_title: str = "", practice_questions: list[dict] | None = None, practice_attempt: int | None = None
) -> dict[str, Any]:
    data = item.data_json if isinstance(item.data_json, dict) else {}
    kind = item.content_type.name
    budget = _Budget(CONTEXT_CHAR_LIMIT)
    snapshot: dict[str, Any] = {
        "version": SNAPSHOT_VERSION,
        "hash": content_hash(item),
        "item": {"id": item.pk, "title": item.title, "type": kind, "course": course_title},
        "description": (item.description or "")[:1000],
        "segments": [],
        "blocks": [],
    }
    if kind == "video":
        for n, segment in enumerate(((data.get("transcript") or {}).get("segments") or []), start=1):
            text = budget.take(str(segment.get("text") or "").strip())
            if text is None:
                break
            snapshot["segments"].append(
                {"n": n, "start": float(segment.get("start") or 0), "end": float(segment.get("end") or 0), "text": text}
            )
    blocks = data.get("blocks") if kind == "text" else data.get("instructions") if kind == "assignment" else None
    for n, block in enumerate(blocks or [], start=1):
        found = _block_text(block) if isinstance(block, dict) else None
        if found is None:
            continue
        text = budget.take(found[1])
        if text is None:
            break
        snapshot["blocks"].append({"n": n, "kind": found[0], "text": text})
    if kind == "resource":
        snapshot["resources"] = [
            {"label": str(r.get("label") or ""), "kind": str(r.get("kind") or "")} for r in data.get("resources") or []
        ]
    if kind == "quiz":
        quiz = {
            "mode": data.get("quiz_mode") or "practice",
            "questions_per_attempt": data.get("num_questions_per_attempt"),
            "time_limit_seconds": data.get("time_limit_seconds"),
            "questions": [],
        }
        for question in practice_questions or []:
            text = budget.take(str(question.get("text") or ""))
            if text is None:
                break
            # Only the texts: never a correctness flag, a key or feedback.
            quiz["questions"].append({"text": text, "choices": [str(c) for c in question.get("choices") or []]})
        snapshot["quiz"] = quiz
    if kind == "engineering_lab":
        visible = [f for f in data.get("files") or [] if isinstance(f, dict) and f.get("role") in LAB_VISIBLE_ROLES]
        files = []
        for f in visible:
            text = budget.take(str(f.get("content") or ""))
            if text is None:
                break
            files.append({"path": str(f.get("path") or ""), "text": text})
        snapshot["lab"] = {
            "runtime": data.get("runtime"),
            "timeout_seconds": data.get("timeout_seconds"),
            "visible_files": [f.get("path") for f in visible],
            "files": files,
        }
    if kind == "assignment":
        snapshot["assignment"] = {
            "max_points": data.get("max_points"),
            "submission_types": data.get("submission_types") or [],
        }
    snapshot["practice_attempt"] = practice_attempt
    snapshot["chars"] = budget.used
    snapshot["truncated"] = budget.truncated
    return snapshot


def clock(seconds: float) -> str:
    """12.5 → ``00:12``; 3725 → ``1:02:05`` (the citation format)."""
    total = int(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def passages(snapshot: dict) -> list[dict]:
    """Every citable passage: ``{"cite": "[01:23]" | "[block 2]", "text": …}``."""
    found = [{"cite": f"[{clock(s['start'])}]", "text": s["text"]} for s in snapshot.get("segments") or []]
    found += [{"cite": f"[block {b['n']}]", "text": b["text"]} for b in snapshot.get("blocks") or []]
    return found


def snapshot_as_text(snapshot: dict) -> str:
    """The snapshot as the system prompt's ``content`` variable, with the citation tokens to use."""
    lines = []
    if snapshot.get("description"):
        lines.append(f"Description: {snapshot['description']}")
    if snapshot.get("segments"):
        lines.append("Transcript (cite as [mm:ss]):")
        lines += [f"[{clock(s['start'])}] {s['text']}" for s in snapshot["segments"]]
    if snapshot.get("blocks"):
        lines.append("Text blocks (cite as [block N]):")
        lines += [f"[block {b['n']}] {b['text']}" for b in snapshot["blocks"]]
    if snapshot.get("resources"):
        lines.append("Resources: " + "; ".join(f"{r['label']} ({r['kind']})" for r in snapshot["resources"]))
    quiz = snapshot.get("quiz")
    if quiz:
        lines.append(f"Quiz: {quiz['mode']} mode, {quiz.get('questions_per_attempt') or 'all'} questions per attempt.")
        for n, q in enumerate(quiz.get("questions") or [], start=1):
            choices = f" Choices: {' | '.join(q['choices'])}" if q.get("choices") else ""
            lines.append(f"Question {n}: {q['text']}{choices}")
    lab = snapshot.get("lab")
    if lab:
        lines.append(
            f"Lab ({lab.get('runtime')}), files the student sees: {', '.join(lab.get('visible_files') or []) or 'none'}"
        )
        for f in lab.get("files") or []:
            if f.get("text"):
                lines += [f"File {f['path']}:", "```", f["text"], "```"]
    if snapshot.get("truncated"):
        lines.append("(The item is longer; the rest was cut to fit.)")
    return "\n".join(lines)
