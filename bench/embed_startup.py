"""How long the embedding paths take from a cold process: the budget of `ijdqa ask`.

    python bench/embed_startup.py [--encoder DIR] [--runs N]

Exports the packaged model to ONNX (into DIR, or a temporary folder; timed), then runs fresh
interpreters for: importing ijdqa.search.embed; QueryEncoder.load + one query; and, for comparison,
sentence-transformers through LangChain + one query. Prints the median and range of wall times.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ijdqa.search.model import export_query_encoder, resolve_model_path

PROBES = {
    "import ijdqa.search.embed": "import ijdqa.search.embed",
    "QueryEncoder.load + embed_query": (
        "from ijdqa.search.embed import QueryEncoder; "
        "e = QueryEncoder.load({dir!r}); e.embed_query('hello')"
    ),
    "sentence-transformers + embed_query": (
        "from ijdqa.search.model import load_document_embedder, resolve_model_path; "
        "load_document_embedder(resolve_model_path(None)).embed_query('hello')"
    ),
}


def wall_time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    from ijdqa.offline import opt_out

    opt_out()  # before onnxruntime, chromadb or gradio loads: no telemetry from the bench
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", type=Path, help="export here (default: a temporary folder)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        encoder = args.encoder or Path(scratch) / "encoder"
        start = time.perf_counter()
        export_query_encoder(resolve_model_path(None), encoder)
        print(f"{'export_query_encoder (in-process)':40s} {time.perf_counter() - start:6.2f} s")
        for label, code in PROBES.items():
            runs = 1 if label.startswith("sentence") else args.runs
            times = [wall_time(code.format(dir=str(encoder))) for _ in range(runs)]
            print(
                f"{label:40s} {statistics.median(times):6.2f} s "
                f"(min {min(times):.2f}, max {max(times):.2f}, {runs} runs)"
            )


if __name__ == "__main__":
    main()
