"""Fakes for tests and the benchmarks (bench/scale.py puts tests/ on sys.path to import them).

- HashEmbedder: deterministic embeddings without a model, so an index builds in milliseconds.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass

from ijdqa.search.embed import EmbeddingsBase

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class HashEmbedder(EmbeddingsBase):
    """Deterministic fake embeddings for tests and benchmarks (no model, no randomness).

    A text becomes a bag of its lower-cased words, each hashed with blake2b into one of
    `dimension` buckets, then L2-normalized: texts that share words are close.
    """

    dimension: int = 64

    def __post_init__(self) -> None:
        if self.dimension < 1:
            raise ValueError(f"dimension must be positive, got {self.dimension}")

    def embed_query(self, text: str) -> list[float]:
        counts = [0.0] * self.dimension
        for word in _WORD.findall(text.casefold()) or [""]:  # no words still gives a unit vector
            digest = hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest()
            counts[int.from_bytes(digest, "big") % self.dimension] += 1.0
        norm = math.sqrt(sum(c * c for c in counts))
        return [c / norm for c in counts]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_query(text) for text in texts]
