"""The benchmarks read files that exist: `make bench` broke once when eval/gold.jsonl was split
into dev and test, and no test noticed."""

from __future__ import annotations

import re

from support import ROOT

INPUTS = ("eval", "src", "tests")  # the repository's folders a benchmark reads from


def test_every_repository_file_a_benchmark_names_exists() -> None:
    named = []
    for script in sorted((ROOT / "bench").glob("*.py")):
        text = script.read_text(encoding="utf-8")
        for parts in re.findall(r'ROOT((?:\s*/\s*"[^"]+")+)', text):
            path = ROOT.joinpath(*re.findall(r'"([^"]+)"', parts))
            if path.relative_to(ROOT).parts[0] not in INPUTS:
                continue  # where a benchmark writes (test-output/, bench/): made when it runs
            named.append(path)
            assert path.exists(), f"{script.name} names {path.relative_to(ROOT)}, which is gone"
    assert any(p.name == "dev.jsonl" for p in named)  # the warm-ask and retrieval set
