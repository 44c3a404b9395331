"""One reply sentence of the LLM answerer checked against the passages it cites (generate.py
gives the rules): its keys known, its words and facts in a passage, the passage's best sentence
quoted verbatim as its citation, its markers renumbered in order of first use.

`Validator` keeps the count of dropped keys and the sentences it dropped, with their reasons.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from ijdqa import claims, prompts
from ijdqa.answer.question import strip_instructions
from ijdqa.citations import make_citation
from ijdqa.search.corpus import CorpusView
from ijdqa.search.lexical import tokenize
from ijdqa.text import normalize, sentence_spans
from ijdqa.types import Chunk, Citation
from ijdqa.writer import KEYS_RE, plain

SUPPORT = 0.5  # share of a sentence's content words its passage must contain
SHORTEST_QUOTED = 8  # characters: a shorter fragment is found in any passage by chance


def is_refusal(sentence: str) -> bool:
    return normalize(sentence).startswith(normalize(prompts.refusal()).rstrip("."))


class Validator:
    """Checks reply sentences against the passages and turns kept keys into citations."""

    def __init__(self, view: CorpusView, passages: Mapping[str, Chunk]) -> None:
        self.view = view
        self.passages = dict(passages)
        self.citations: list[Citation] = []
        self.dropped = 0
        self.unsupported: list[str] = []
        self.cited = False  # has the reply cited any retrieved passage yet?
        # an instruction planted in a passage supports nothing, not even a reply that obeys it
        facts = {key: strip_instructions(c.text) for key, c in self.passages.items()}
        self._facts = facts
        self._words = {key: set(tokenize(text)) for key, text in facts.items()}
        self._norms = {key: normalize(text) for key, text in facts.items()}
        self._markers: dict[tuple[str, int, int], int] = {}

    def take(self, sentence: str) -> str | None:
        """The sentence with renumbered markers, or None when no cited passage supports it."""
        keys = self.keys(sentence)
        self.cited = self.cited or bool(keys)
        text = plain(sentence)
        found = self.supporting(text, keys)
        reason = self.claim_problem(text, found) if found else _no_support(keys)
        markers = [] if reason else [self._marker(key, text) for key in found]
        kept = list(dict.fromkeys(m for m in markers if m is not None))
        if not kept:
            self.unsupported.append(f"{text} (dropped: {reason or 'its passage cannot be quoted'})")
            return None
        return f"{text} {''.join(f'[{m}]' for m in kept)}"

    def claim_problem(self, text: str, keys: Sequence[str]) -> str | None:
        """Why the facts of `text` are not those of the passages `keys` (None: they are)."""
        evidence: list[str] = []
        stated: list[str] = []
        for key in keys:
            evidence += self.evidence(key)
            s, e = best_sentence(self._facts[key], text)
            stated.append(self._facts[key][s:e])
        return claims.check(text, evidence, stated)

    def evidence(self, key: str) -> list[str]:
        """What may back a fact of a sentence citing `key`: the passage (instructions left out),
        its footnotes' bodies and dates (for an Ibid, those of the footnote it ends at too,
        however long the chain), and where it sits."""
        chunk = self.passages[key]
        texts = [self._facts[key], f"page {chunk.page}", chunk.section]
        for number in chunk.footnotes:
            texts.append(f"footnote {number}")
            note = self.view.footnote(number)
            target = self.view.report.resolve(number)  # the one Ibid walk (types.Report)
            for shown in dict.fromkeys(n for n in (note, target) if n is not None):
                texts += [strip_instructions(shown.text), shown.date or ""]
        return texts

    def keys(self, sentence: str) -> list[str]:
        """The known passage keys a sentence cites, in order; unknown keys are counted."""
        keys: list[str] = []
        for match in KEYS_RE.finditer(sentence):
            for item in re.split(r"[,;]", match.group(0).strip("[] \t")):
                key = re.sub(r"\s+", "", item).upper()
                if key not in self.passages:
                    self.dropped += 1
                elif key not in keys:
                    keys.append(key)
        return keys

    def supporting(self, text: str, keys: Sequence[str]) -> list[str]:
        """The cited passages that support the text (or the one passage that does, if uncited)."""
        words = set(tokenize(text))
        if not keys:
            best = max(self.passages, key=lambda key: len(words & self._words[key]))
            return [best] if self._supports(text, words, [best]) else []
        alone = [key for key in keys if self._supports(text, words, [key])]
        if alone or len(keys) == 1:
            return alone
        if self._supports(text, words, keys):  # a sentence joining facts of several passages
            return [key for key in keys if words & self._words[key]]
        return []

    def _supports(self, text: str, words: set[str], keys: Sequence[str]) -> bool:
        if words:
            have = set().union(*(self._words[key] for key in keys))
            if len(words & have) >= SUPPORT * len(words):
                return True
        core = normalize(text).strip(" .,;:!?-–—*•\"'")
        return len(core) >= SHORTEST_QUOTED and any(core in self._norms[key] for key in keys)

    def _marker(self, key: str, text: str) -> int | None:
        chunk = self.passages[key]
        start, end = best_sentence(chunk.text, text)
        spot = (chunk.chunk_id, start, end)
        if spot not in self._markers:
            marker = len(self.citations) + 1
            citation = make_citation(
                self.view, chunk, chunk.start + start, chunk.start + end, marker=marker
            )
            if citation is None:
                return None
            self.citations.append(citation)
            self._markers[spot] = marker
        return self._markers[spot]


def _no_support(keys: Sequence[str]) -> str:
    if not keys:
        return "it cites no passage, and no single passage supports it"
    cited = " ".join(f"[{key}]" for key in keys)
    return f"the cited passage {cited} does not support it"


def best_sentence(passage: str, text: str) -> tuple[int, int]:
    """The span of the passage sentence sharing most content words with `text` (first on ties)."""
    spans = sentence_spans(passage) or ((0, len(passage)),)
    words = set(tokenize(text))
    core = normalize(text).strip(" .,;:!?-–—*•\"'")

    def fit(item: tuple[int, tuple[int, int]]) -> tuple[bool, int, int]:
        i, (s, e) = item
        piece = passage[s:e]
        contained = bool(core) and core in normalize(piece)
        return contained, len(words & set(tokenize(piece))), -i

    return max(enumerate(spans), key=fit)[1]
