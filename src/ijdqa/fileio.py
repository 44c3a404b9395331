"""Files and processes on this machine, the few ways ijdqa touches them directly. Pure stdlib.

- read_capped: a bounded read, so `--history /dev/zero` or a 20 GB report stops at the cap;
- pid_alive: whether a process that left a staging or temp folder is still running.
"""

from __future__ import annotations

import os
from pathlib import Path


def read_capped(path: Path, limit: int) -> bytes | None:
    """The bytes of `path`, or None when it holds more than `limit` (never read past it).
    OSError passes through: each caller words its own message."""
    with Path(path).open("rb") as fh:
        data = fh.read(limit + 1)
    return None if len(data) > limit else data


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists (one we may not signal exists too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
