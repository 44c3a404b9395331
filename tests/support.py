"""Helpers shared by test modules: free loopback ports and the app served in-process."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served_app(assistant: Any, runs_dir: Path) -> Iterator[str]:
    """The web app on a free loopback port in this process; yields its base URL."""
    from ijdqa import web

    demo = web.create_app(assistant, runs_dir=runs_dir)
    port = free_port()
    web.launch(demo, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


def stop_process(proc: Any, timeout: float = 20) -> None:
    """Terminate a server started by a test; kill it if it does not stop in time."""
    import subprocess

    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)
