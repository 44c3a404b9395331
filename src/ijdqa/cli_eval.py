"""`ijdqa eval`: run the gold question sets side by side, write a run folder each, compare runs
and gate them against minimum figures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ijdqa.cli_options import (
    common_options,
    k_option,
    llm_options,
    no_build_option,
    print_json,
    progress,
)

if TYPE_CHECKING:
    from ijdqa.config import Settings


def add_eval(sub: Any) -> None:
    p = sub.add_parser("eval", help="run the gold questions and score answers and citations")
    p.add_argument(
        "--gold",
        type=Path,
        metavar="FILE",
        help="one gold JSONL file (default: the sets dev, test and blind under --eval-dir)",
    )
    p.add_argument(
        "--sets",
        default="dev,test,blind",
        metavar="NAMES",
        help="question sets to run side by side, comma-separated (default dev,test,blind)",
    )
    p.add_argument(
        "--eval-dir", type=Path, default=Path("eval"), metavar="DIR", help="where the sets live"
    )
    p.add_argument("--k", type=int, default=None, help="passages per question (default 6)")
    p.add_argument("--label", metavar="NAME", help="run name suffix (default: the answerer)")
    p.add_argument("--out", type=Path, default=Path("eval/runs"), metavar="DIR", help="runs root")
    p.add_argument("--json", action="store_true", help="print metrics.json to stdout")
    p.add_argument("--limit", type=int, default=None, metavar="N", help="first N questions only")
    p.add_argument(
        "--sample",
        type=int,
        default=None,
        metavar="N",
        help="N questions spread evenly over each set (every len/N-th), for slow answerers",
    )
    p.add_argument("--check", type=Path, metavar="FILE", help="exit 1 below these minimums")
    p.add_argument("--compare", nargs=2, metavar=("RUN_A", "RUN_B"), help="diff two runs")
    common_options(p)
    llm_options(p)
    no_build_option(p)
    p.set_defaults(handler=cmd_eval)


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from ijdqa.app import build_assistant
    from ijdqa.evaluation import render, runs
    from ijdqa.evaluation.gold import load_gold
    from ijdqa.evaluation.metrics import check_thresholds, read_thresholds, thresholds_for
    from ijdqa.evaluation.score import run_gold

    if args.compare:
        folders = [runs.resolve_run(r, root=args.out) for r in args.compare]
        comparison = runs.compare_runs(*folders)
        if args.json:
            print_json(comparison)
        else:
            print(render.format_comparison(comparison))
        return 0
    thresholds = read_thresholds(args.check) if args.check else None
    sets = _eval_sets(args)
    assistant = build_assistant(settings, build=not args.no_build, progress=progress("embedding"))
    k = k_option(args.k, settings)
    answerer = str(getattr(assistant.answerer, "name", "assistant"))
    by_set: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    for name, path in sets.items():
        questions = load_gold(path, limit=args.limit)
        if args.sample:
            step = max(1, len(questions) // args.sample)
            questions = questions[::step][: args.sample]
        started = time.perf_counter()
        results = run_gold(assistant, questions, k=k, progress=progress(f"evaluating {name}"))
        info = {
            "gold": str(path),
            "set": name,
            "k": k,
            "limit": args.limit,
            "sample": args.sample,
            "answerer": answerer,
        }
        info["seconds"] = round(time.perf_counter() - started, 2)
        label = f"{name}-{args.label or answerer}"
        folder, metrics = runs.write_run(results, root=args.out, label=label, info=info)
        print(f"ijdqa: {name} run written to {folder}", file=sys.stderr)
        by_set[name] = metrics
        if thresholds:
            gate = thresholds_for(thresholds, name)
            failures += [f"{name} {f}" for f in check_thresholds(metrics, gate)]
    if args.json:
        print_json(by_set if len(by_set) > 1 else next(iter(by_set.values())))
    elif len(by_set) > 1:
        print(render.format_side_by_side(by_set))
    else:
        print(render.format_metrics(next(iter(by_set.values()))))
    for failure in failures:
        print(f"ijdqa: below threshold: {failure}", file=sys.stderr)
    if thresholds and not failures:
        print("ijdqa: every threshold met", file=sys.stderr)
    return 1 if failures else 0


def _eval_sets(args: argparse.Namespace) -> dict[str, Path]:
    """The question sets of one eval run, by name: --gold alone, or the named sets that exist."""
    from ijdqa.errors import EvalError

    if args.gold:
        return {args.gold.stem: args.gold}
    names = [n.strip() for n in args.sets.split(",") if n.strip()]
    sets = {n: args.eval_dir / f"{n}.jsonl" for n in names}
    missing = [str(p) for p in sets.values() if not p.is_file()]
    if missing and len(missing) == len(sets):
        raise EvalError(
            f"no question set found ({', '.join(missing)}); run from the repository root, "
            "or pass --eval-dir or --gold"
        )
    for path in missing:
        print(f"ijdqa: skipping missing set {path}", file=sys.stderr)
    return {n: p for n, p in sets.items() if p.is_file()}
