"""The offline provider: no language model, and it says so.

It ranks the snapshot's passages (transcript segments and text blocks) against the student's last
message with BM25 (k1 = 1.2, b = 0.75; the snapshot is capped at 12,000 characters, so ranking in
Python costs well under a millisecond), quotes the best three with their citations, and ends with a
guiding question built from the best passage. It streams word by word like a real model
(``TUTOR_OFFLINE_CHUNK_DELAY`` seconds between pieces; 0 in tests) and reports token counts as words.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator

from django.conf import settings

from tutoring.context import passages
from tutoring.providers.base import Delta, Finished

NO_MODEL_NOTICE = (
    "**No language model is configured for this tutor**, so I cannot write an answer of my own. "
    "Here is what this item says that seems closest to your question:"
)
NOTHING_FOUND = (
    "**No language model is configured for this tutor**, and nothing in this item matches your question. "
    "Try the words the item itself uses, or ask your instructor."
)
GUIDING_QUESTION = (
    "Reading {cite} again: what does it tell you about “{term}”, and how would you explain that in your own words?"
)
GENERAL_QUESTION = "Which part of this item is closest to what you are stuck on, and what do you already know about it?"
TOP_PASSAGES = 3
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_STOP = {
    "a",
    "an",
    "and",
    "are",
    "as",
    "at",
    "be",
    "but",
    "by",
    "can",
    "do",
    "does",
    "for",
    "from",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "me",
    "my",
    "not",
    "of",
    "on",
    "or",
    "so",
    "that",
    "the",
    "their",
    "then",
    "there",
    "these",
    "this",
    "to",
    "was",
    "what",
    "when",
    "where",
    "which",
    "who",
    "why",
    "will",
    "with",
    "you",
    "your",
    "we",
    "our",
    "us",
}


def tokens(text: str) -> list[str]:
    return [w for w in (m.group(0).casefold() for m in _WORD.finditer(text or "")) if w not in _STOP and len(w) > 1]


def rank(query: str, documents: list[str], *, k1: float = 1.2, b: float = 0.75) -> list[tuple[int, float]]:
    """BM25 scores of ``documents`` for ``query``, best first, positive scores only."""
    docs = [tokens(d) for d in documents]
    if not docs:
        return []
    average = sum(len(d) for d in docs) / len(docs) or 1.0
    frequency = Counter(term for d in docs for term in set(d))
    query_terms = set(tokens(query))
    scores = []
    for index, doc in enumerate(docs):
        counts = Counter(doc)
        score = 0.0
        for term in query_terms:
            if not counts[term]:
                continue
            idf = math.log(1 + (len(docs) - frequency[term] + 0.5) / (frequency[term] + 0.5))
            tf = counts[term]
            score += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(doc) / average))
        if score > 0:
            scores.append((index, score))
    return sorted(scores, key=lambda pair: (-pair[1], pair[0]))


def offline_reply(question: str, snapshot: dict) -> str:
    found = passages(snapshot)
    ranked = rank(question, [p["text"] for p in found])[:TOP_PASSAGES]
    if not ranked:
        return f"{NOTHING_FOUND}\n\n{GENERAL_QUESTION}"
    quoted = [found[index] for index, _ in sorted(ranked)]  # in document order
    best = found[ranked[0][0]]
    shared = [t for t in tokens(question) if t in set(tokens(best["text"]))]
    body = "\n\n".join(f"> {p['text']} {p['cite']}" for p in quoted)
    question_text = GUIDING_QUESTION.format(cite=best["cite"], term=shared[0] if shared else best["text"][:40])
    return f"{NO_MODEL_NOTICE}\n\n{body}\n\n{question_text}"


class OfflineProvider:
    name = "offline"
    model = "offline-bm25"

    def stream(
        self, messages: list[dict], *, context: dict, cancelled: Callable[[], bool]
    ) -> Iterator[Delta | Finished]:
        question = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
        reply = offline_reply(question, context or {})
        delay = float(getattr(settings, "TUTOR_OFFLINE_CHUNK_DELAY", 0.02))
        pieces = re.findall(r"\S+\s*|\s+", reply)
        for piece in pieces:
            if cancelled():
                yield Finished(
                    finish_reason="cancelled", tokens_in=len(tokens(question)), tokens_out=0, model=self.model
                )
                return
            if delay:
                time.sleep(delay)
            yield Delta(piece)
        yield Finished(
            finish_reason="stop",
            tokens_in=sum(len(m["content"].split()) for m in messages),
            tokens_out=len(reply.split()),
            model=self.model,
        )
