"""Files and processes on this machine, the few ways ijdqa touches them directly. Pure stdlib.

- atomic_write: write aside, then swap, so a reader never sees half a file (a crash or a full
  disk leaves the old file, never a torn one);
- read_capped: a bounded read, so `--history /dev/zero` or a 20 GB report stops at the cap;
- pid_alive: whether a process that left a staging or temp folder is still running.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def atomic_write(path: Path, data: str | bytes) -> None:
    """Replace `path` with `data` (text is written as UTF-8) in one step: a temp file beside
    it, flushed to disk, then renamed over it. The temp file is removed when anything fails;
    OSError passes through."""
    path = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix="-" + path.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
