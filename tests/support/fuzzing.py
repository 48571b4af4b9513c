"""Request counts of the fuzz tests, printed at the end of the run (the case count CI shows)."""

from __future__ import annotations

from collections import Counter

SENT: Counter[str] = Counter()


def count(kind: str, n: int = 1) -> None:
    SENT[kind] += n


def summary() -> list[str]:
    if not SENT:
        return []
    total = sum(SENT.values())
    return [f"fuzzing: {total} generated requests"] + [f"  {kind}: {n}" for kind, n in sorted(SENT.items())]
