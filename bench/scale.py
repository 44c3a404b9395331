"""One scaling measurement in a fresh process: a synthetic corpus of N chunks.

    python bench/scale.py N [--chroma] [--queries eval/retrieval.jsonl]

The corpus is the report's prose varied and repeated: each chunk is one paragraph's sentences
in a shuffled order, cut at about 600 characters, with about 15% of the words swapped for other
words of the report, under one of the report's section titles (and sometimes a footnote). Vectors
come from the fake `HashEmbedder` of tests/fakes.py (dimension 384, like all-MiniLM-L6-v2) so that 100,000 chunks
embed in under a minute; the latencies measure the index, not the model.

Prints one JSON object: timings, query latencies, and the peak resident memory of this process
(VmHWM) after the array + BM25 part and again after Chroma, if it ran.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fakes import HashEmbedder
from ijdqa.app_corpus import load_report
from ijdqa.search.build import build_index
from ijdqa.search.corpus import IndexedChunk, chunk_id
from ijdqa.search.index import Index, open_index
from ijdqa.search.store import ArrayVectors, ChromaStore
from ijdqa.text import sentence_spans
from ijdqa.types import Chunk

DIMENSION = 384
MAX_CHARS = 600
SWAP_RATE = 0.15


def rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    VmHWM where Linux has it: ru_maxrss survives exec, so a child of a big parent would report
    the parent's peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)
    return {
        "p50_ms": round(statistics.median(ms), 3),
        "p95_ms": round(ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))], 3),
        "mean_ms": round(statistics.fmean(ms), 3),
        "n": len(ms),
    }


def synthetic_corpus(n: int, *, seed: int = 0) -> list[IndexedChunk]:
    report = load_report(None)
    paragraphs = [
        [p.text[s:e] for s, e in sentence_spans(p.text)]
        for p in report.paragraphs
        if p.kind in ("body", "caption", "about") and len(p.text) > 40
    ]
    vocabulary = sorted({w for p in paragraphs for s in p for w in s.split() if w.isalpha()})
    sections = sorted({p.section for p in report.paragraphs})
    rng = random.Random(seed)
    items = []
    for i in range(n):
        sentences = paragraphs[i % len(paragraphs)][:]
        rng.shuffle(sentences)
        text = _cut(sentences)
        words = [rng.choice(vocabulary) if rng.random() < SWAP_RATE else w for w in text.split()]
        text = " ".join(words)
        section = sections[i % len(sections)]
        note = (rng.randrange(1, 25),) if rng.random() < 0.3 else ()
        chunk = Chunk(
            chunk_id("synthetic", i, text), text, "body", 1 + i % 500, section, 0, len(text), note
        )
        items.append(IndexedChunk(chunk, f"{section}. {text}"))
    return items


def _cut(sentences: list[str]) -> str:
    out = sentences[0]
    for sentence in sentences[1:]:
        if len(out) + 1 + len(sentence) > MAX_CHARS:
            break
        out = f"{out} {sentence}"
    return out


def timed_queries(
    search: Callable[[str], object], queries: list[str], *, warmup: int = 3
) -> list[float]:
    for query in queries[:warmup]:
        search(query)
    times = []
    for query in queries:
        started = time.perf_counter()
        search(query)
        times.append(time.perf_counter() - started)
    return times


def array_and_bm25(
    items: list[IndexedChunk], queries: list[str], folder: Path
) -> dict[str, object]:
    """Embed, save and load the array, build BM25, then query hybrid, dense and lexical."""
    texts = [it.search_text for it in items]
    started = time.perf_counter()
    matrix = embed_in_batches(texts)
    embed = time.perf_counter() - started
    started = time.perf_counter()
    ArrayVectors(matrix).save(folder / "vectors.npy")
    vectors = ArrayVectors.load(folder / "vectors.npy")
    array = time.perf_counter() - started
    rss_vectors = rss_mb()
    index = Index({}, [it.chunk for it in items], texts, vectors, HashEmbedder(DIMENSION))
    started = time.perf_counter()
    _ = index.lexical
    bm25 = time.perf_counter() - started
    rss_bm25 = rss_mb()
    latency = {
        mode: percentiles(timed_queries(partial(index.search, k=5, mode=mode), queries))
        for mode in ("hybrid", "dense", "lexical")
    }
    filtered = timed_queries(lambda q: index.search(q, k=5, filters={"footnote": 12}), queries)
    return {
        "embed_seconds": round(embed, 3),
        "array_save_load_seconds": round(array, 3),
        "bm25_build_seconds": round(bm25, 3),
        "build_seconds": round(embed + array + bm25, 3),
        "query": {**latency, "hybrid_footnote_filter": percentiles(filtered)},
        "peak_rss_mb_after_vectors": round(rss_vectors, 1),
        "peak_rss_mb_after_bm25": round(rss_bm25, 1),
        "peak_rss_mb": round(rss_mb(), 1),
    }


def embed_in_batches(texts: list[str], batch: int = 1024) -> np.ndarray:
    """Vectors into one float32 matrix, a batch at a time as build_index does (a list of
    100,000 lists of 384 Python floats alone would take over a gigabyte)."""
    embedder = HashEmbedder(DIMENSION)
    matrix = np.zeros((len(texts), DIMENSION), dtype=np.float32)
    for start in range(0, len(texts), batch):
        matrix[start : start + batch] = embedder.embed_documents(texts[start : start + batch])
    return matrix


def chroma(items: list[IndexedChunk], queries: list[str], folder: Path) -> dict[str, object]:
    """The whole build_index (embedding + files + local Chroma), an unchanged rebuild, and
    dense queries through Chroma."""

    def embedder() -> HashEmbedder:
        return HashEmbedder(DIMENSION)

    started = time.perf_counter()
    result = build_index(folder, items, embedder=embedder, model="hash-384", inputs="synthetic")
    full = time.perf_counter() - started
    started = time.perf_counter()
    again = build_index(folder, items, embedder=_refuse, model="hash-384", inputs="synthetic")
    unchanged = time.perf_counter() - started
    index = open_index(folder, query_embedder=HashEmbedder(DIMENSION), use_chroma=True)
    store = index.chroma
    assert isinstance(store, ChromaStore) and store.count() == len(items)
    dense = timed_queries(lambda q: index.search(q, k=5, mode="dense"), queries)
    hybrid = timed_queries(lambda q: index.search(q, k=5), queries)
    return {
        "build_index_seconds": round(full, 3),
        "embedded": result.embedded,
        "unchanged_rebuild_seconds": round(unchanged, 3),
        "unchanged_rebuild_embedded": again.embedded,
        "query": {"dense": percentiles(dense), "hybrid": percentiles(hybrid)},
        "peak_rss_mb": round(rss_mb(), 1),
    }


def _refuse() -> HashEmbedder:
    raise AssertionError("an unchanged rebuild must not embed")


def main(argv: list[str] | None = None) -> int:
    from ijdqa.offline import opt_out

    opt_out()  # before onnxruntime, chromadb or gradio loads: no telemetry from the bench
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("chunks", type=int)
    parser.add_argument("--chroma", action="store_true", help="also build_index with local Chroma")
    parser.add_argument("--queries", type=Path, default=Path("eval/retrieval.jsonl"))
    args = parser.parse_args(argv)
    baseline = rss_mb()
    queries = [
        json.loads(line)["question"] for line in args.queries.read_text().splitlines() if line
    ]
    started = time.perf_counter()
    items = synthetic_corpus(args.chunks)
    out: dict[str, object] = {
        "chunks": len(items),
        "dimension": DIMENSION,
        "embedder": f"HashEmbedder({DIMENSION})",
        "generate_seconds": round(time.perf_counter() - started, 3),
        "baseline_rss_mb": round(baseline, 1),
        "mean_chars": round(statistics.fmean(len(it.chunk.text) for it in items), 1),
    }
    with tempfile.TemporaryDirectory(prefix="ijdqa-scale-") as tmp:
        out["array_bm25"] = array_and_bm25(items, queries, Path(tmp))
        if args.chroma:
            out["chroma"] = chroma(items, queries, Path(tmp) / "index")
    json.dump(out, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
