"""The command line: parse arguments, call the app, print. JSON to stdout, messages to stderr.

The commands live beside it: cli_report.py (footnotes, organizations, report), cli_index.py
(index, model, search), cli_ask.py, cli_sources.py, cli_eval.py; `chat` is here."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ijdqa import __version__
from ijdqa.cli_ask import add_ask
from ijdqa.cli_eval import add_eval
from ijdqa.cli_index import add_index, add_model, add_search
from ijdqa.cli_options import common_options, llm_options, no_build_option, progress
from ijdqa.cli_report import add_footnotes, add_organizations, add_report
from ijdqa.cli_sources import add_sources
from ijdqa.config import PORT_MAX
from ijdqa.errors import IjdqaError

if TYPE_CHECKING:
    from ijdqa.config import Settings


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
    if not 1 <= port <= PORT_MAX:
        raise IjdqaError(f"--port must be between 1 and {PORT_MAX}, got {port}")
    auth = parse_auth(args.auth or settings.auth)
    assistant = build_assistant(settings, build=not args.no_build, progress=progress("embedding"))
    from ijdqa.web_guard import private_cache

    private_cache()  # Gradio's cache in a folder of this process's own, removed at exit
    from ijdqa import web

    web.launch(web.create_app(assistant), host=host, port=port, auth=auth)
    return 0


_COMMANDS: list[Callable[[Any], None]] = [
    add_footnotes,
    add_organizations,
    add_report,
    add_index,
    add_model,
    add_search,
    add_ask,
    add_sources,
    add_eval,
    _add_chat,
]
