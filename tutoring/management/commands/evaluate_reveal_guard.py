"""``manage.py evaluate_reveal_guard PATH``: precision, recall and F1 of ``tutoring.reveal.reveals_answer``
against MRBench V2's human ``Revealing_of_the_Answer`` labels (any "Yes…" counts as revealing), and of the
naive baseline beside it (``naive_reveals``: the reply states the solution's final number).

PATH is an MRBench V2 JSON file (a list of dialogues with ``conversation_history``,
``Ground_Truth_Solution`` and ``anno_llm_responses``) or a folder holding such files. The repository
ships half A under ``tutoring/data/mrbench/`` (CC BY-SA 4.0, see its README).
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tutoring.reveal import _close, final_number, numbers_in, reveals_answer

NOT_FOUND = "No MRBench file at {path}."
NOT_MRBENCH = "{path} is not MRBench V2 JSON (a list of dialogues with anno_llm_responses)."


def load_dialogues(path: Path) -> list[dict]:
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise CommandError(NOT_FOUND.format(path=path))
    dialogues = []
    for file in files:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            raise CommandError(NOT_MRBENCH.format(path=file)) from None
        if not isinstance(data, list) or not all(isinstance(d, dict) and "anno_llm_responses" in d for d in data):
            raise CommandError(NOT_MRBENCH.format(path=file))
        dialogues.extend(data)
    return dialogues


def naive_reveals(reply: str, *, solution: str | None = None, history: str | None = None) -> bool:
    """The issue's naive check: the reply contains the solution's final number (never, without one)."""
    answer = final_number(solution)
    return answer is not None and any(_close(n, answer) for n in numbers_in(reply))


def evaluate(dialogues: list[dict], check=reveals_answer) -> dict:
    counts = {"tp": 0, "fp": 0, "fn": 0, "tn": 0}
    by_tutor: dict[str, dict[str, int]] = {}
    for dialogue in dialogues:
        for tutor, answer in (dialogue.get("anno_llm_responses") or {}).items():
            label = ((answer.get("annotation") or {}).get("Revealing_of_the_Answer") or "").strip()
            if not label:
                continue
            truth = label.startswith("Yes")
            predicted = bool(
                check(
                    answer.get("response") or "",
                    solution=dialogue.get("Ground_Truth_Solution"),
                    history=dialogue.get("conversation_history"),
                )
            )
            cell = ("tp" if truth else "fp") if predicted else ("fn" if truth else "tn")
            counts[cell] += 1
            tutor_counts = by_tutor.setdefault(tutor, {"replies": 0, "revealing": 0, "flagged": 0})
            tutor_counts["replies"] += 1
            tutor_counts["revealing"] += truth
            tutor_counts["flagged"] += predicted
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {**counts, "precision": precision, "recall": recall, "f1": f1, "by_tutor": by_tutor}


class Command(BaseCommand):
    help = "Measure the reveal check against MRBench V2's human labels (precision, recall, F1)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="An MRBench V2 JSON file or a folder of them.")

    def handle(self, *args, path: str, **options):
        result = evaluate(load_dialogues(Path(path)))
        total = result["tp"] + result["fp"] + result["fn"] + result["tn"]
        self.stdout.write(f"replies: {total}  revealing (human): {result['tp'] + result['fn']}")
        self.stdout.write(f"tp {result['tp']}  fp {result['fp']}  fn {result['fn']}  tn {result['tn']}")
        self.stdout.write(f"precision {result['precision']:.3f}  recall {result['recall']:.3f}  F1 {result['f1']:.3f}")
        for tutor, row in sorted(result["by_tutor"].items()):
            self.stdout.write(
                f"  {tutor:<12} replies {row['replies']:>4}  revealing {row['revealing']:>4}  flagged {row['flagged']:>4}"
            )
        naive = evaluate(load_dialogues(Path(path)), check=naive_reveals)
        self.stdout.write(
            f"naive final-number check: precision {naive['precision']:.3f}  recall {naive['recall']:.3f}  "
            f"F1 {naive['f1']:.3f}"
        )
