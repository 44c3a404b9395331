"""The gold question sets (eval/*.jsonl): one question a line, with what its answer must and
must not say, whether it must be refused, its footnotes and evidence, and earlier turns."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ijdqa.errors import EvalError
from ijdqa.types import Turn

CATEGORIES = frozenset(
    {
        "fact",
        "quote",
        "list",
        "count",
        "source",
        "multi",
        "followup",
        "adversarial",
        "unanswerable",
        "appendix",
    }
)


@dataclass(frozen=True)
class GoldQuestion:
    id: str
    category: str
    question: str
    answer: str
    must_include: tuple[str, ...]
    must_not_include: tuple[str, ...]
    refuse: bool
    footnotes: tuple[int, ...]
    evidence: tuple[str, ...]
    history: tuple[Turn, ...]
    style: str | None = None  # how it is phrased: terse, typo, paraphrase, ...
    paraphrase_group: str | None = None  # questions asking one fact in other words


def load_gold(path: Path, *, limit: int | None = None) -> list[GoldQuestion]:
    """The questions of a gold JSONL file (the first `limit` of them)."""
    if limit is not None and limit < 1:
        raise EvalError(f"--limit must be at least 1, got {limit}")
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as exc:
        raise EvalError(
            f"gold file not found: {path}; run from the repository root or pass --gold"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"cannot read gold file {path}: {exc}") from exc
    questions = [_gold_row(line, f"{path}:{n}") for n, line in enumerate(lines, 1) if line.strip()]
    if not questions:
        raise EvalError(f"{path} holds no questions")
    return questions[:limit] if limit is not None else questions


def _gold_row(line: str, where: str) -> GoldQuestion:
    try:
        row = json.loads(line)
        history = tuple(Turn(str(t.get("role", "user")), str(t["content"])) for t in row["history"])
        question = GoldQuestion(
            id=str(row["id"]),
            category=str(row["category"]),
            question=str(row["question"]),
            answer=str(row.get("answer", "")),
            must_include=tuple(str(x) for x in row["must_include"]),
            must_not_include=tuple(str(x) for x in row["must_not_include"]),
            refuse=bool(row["refuse"]),
            footnotes=tuple(int(x) for x in row["footnotes"]),
            evidence=tuple(str(x) for x in row["evidence"]),
            history=history,
            style=str(row["style"]) if row.get("style") else None,
            paraphrase_group=str(row["paraphrase_group"]) if row.get("paraphrase_group") else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise EvalError(f"{where}: not a gold question ({type(exc).__name__}: {exc})") from exc
    if question.category not in CATEGORIES:
        raise EvalError(f"{where}: unknown category {question.category!r}")
    return question
