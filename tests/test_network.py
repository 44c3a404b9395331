"""Nothing leaves the machine, seen from outside the process: the real `ijdqa` under strace.

`ijdqa ask`, `ijdqa index` (a real build: the sentence-transformers model embeds a second
report) and about 15 s of `ijdqa chat` (page, one answer, then idle: onnxruntime's telemetry
repeats every few seconds when it is on) each run under `strace -f -e trace=connect,sendto`
with a fresh HOME and without any of the opt-out variables in their environment, so only what
`ijdqa` sets for itself counts. Asserted: no connect or sendto to an address outside
127.0.0.0/8 and ::1, none to port 53 on any address (a DNS query to a loopback resolver still
leaks the name), and no ~/.cache/Microsoft (onnxruntime's device id and event cache).

`make test` installs strace (apt-get, as root); without it these tests are skipped, and under
CI=true they fail instead.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from ijdqa.offline import OPT_OUTS, RUNTIME_DEFAULTS, opt_out
from support import IJDQA, ROOT, free_port, record, stop_process

pytestmark = pytest.mark.slow

STRACE = shutil.which("strace")
CHAT_SECONDS = 15.0
FOUNDED = "When was the IHRC founded?"

needs_strace = pytest.mark.skipif(
    STRACE is None and os.environ.get("CI") != "true",
    reason="strace is not installed (make test installs it with apt-get when run as root)",
)

_CALL_RE = re.compile(r"^\s*(?:\[pid\s+)?(\d+)\]?\s+(connect|sendto)\((.*)$")
_INET_RE = re.compile(r'sin_port=htons\((\d+)\), sin_addr=inet_addr\("([^"]+)"\)')
_INET6_RE = re.compile(r'sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, "([^"]+)"')


@dataclass(frozen=True)
class Call:
    syscall: str
    address: str
    port: int

    @property
    def leaves(self) -> bool:
        """True for anything but a loopback address, and for DNS even on loopback."""
        mapped = self.address.removeprefix("::ffff:")
        return not ipaddress.ip_address(mapped).is_loopback or self.port == 53


def network_calls(trace: str) -> list[Call]:
    """The connect/sendto calls of an strace log that name an IPv4 or IPv6 address."""
    calls = []
    for line in trace.splitlines():
        match = _CALL_RE.match(line)
        if not match:
            continue
        rest = match.group(3)
        found = _INET_RE.search(rest) or _INET6_RE.search(rest)
        if found:
            calls.append(Call(match.group(2), found.group(2), int(found.group(1))))
    return calls


def test_the_strace_parser_sees_a_real_leak() -> None:
    """The parser, on strace's own lines: a DNS query and a connect out count, loopback not."""
    trace = "\n".join(
        [
            '812 connect(5, {sa_family=AF_INET, sin_port=htons(443), sin_addr=inet_addr("13.69.'
            '239.72")}, 16) = -1 EINPROGRESS',
            '[pid   813] sendto(6, "\\x12", 40, MSG_NOSIGNAL, {sa_family=AF_INET, sin_port=htons('
            '53), sin_addr=inet_addr("127.0.0.53")}, 16) = 40',
            '814 connect(7, {sa_family=AF_INET, sin_port=htons(7860), sin_addr=inet_addr("127.0.'
            '0.1")}, 16) = 0',
            "815 connect(8, {sa_family=AF_INET6, sin6_port=htons(80), sin6_flowinfo=htonl(0), "
            'inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = -1',
            '816 connect(9, {sa_family=AF_UNIX, sun_path="/run/x.sock"}, 110) = 0',
        ]
    )
    calls = network_calls(trace)
    assert [c.address for c in calls] == ["13.69.239.72", "127.0.0.53", "127.0.0.1", "2001:db8::1"]
    assert [c.leaves for c in calls] == [True, True, False, True]


def test_opt_out_sets_every_variable_and_names_what_came_too_late() -> None:
    env: dict[str, str] = {"ORT_DISABLE_TELEMETRY": "0"}
    late = opt_out(env)
    assert env == OPT_OUTS | RUNTIME_DEFAULTS
    assert ("onnxruntime" in late) == ("onnxruntime" in sys.modules)
    assert opt_out(env) == []  # already in place: nothing is late


def test_a_runtime_default_the_user_set_is_kept() -> None:
    env = {"OMP_WAIT_POLICY": "ACTIVE", "ANONYMIZED_TELEMETRY": "True"}
    opt_out(env)
    assert env["OMP_WAIT_POLICY"] == "ACTIVE"  # a default, the user's choice wins
    assert env["ANONYMIZED_TELEMETRY"] == "False"  # an opt-out: there is no opting back in


def bare_env(home: Path) -> dict[str, str]:
    """The test run's environment without the opt-outs (conftest set them) and a fresh HOME."""
    env = {k: v for k, v in os.environ.items() if k not in OPT_OUTS and not k.startswith("IJDQA_")}
    return {**env, "HOME": str(home), "HF_HUB_OFFLINE": "1"}


def traced(argv: list[str], log: Path) -> list[str]:
    assert STRACE, "strace is not installed: apt-get install strace"
    return [STRACE, "-f", "-qq", "-e", "trace=connect,sendto", "-o", str(log), *argv]


def check_traced(name: str, log: Path, home: Path, what: str) -> None:
    calls = network_calls(log.read_text(errors="replace"))
    leaks = [c for c in calls if c.leaves]
    assert leaks == [], f"{name} reached outside loopback: {leaks[:5]}"
    assert not (home / ".cache" / "Microsoft").exists(), f"{name} left ~/.cache/Microsoft"
    loopback = len(calls) - len(leaks)
    record(
        "network",
        f"`{name}` under `strace -f -e trace=connect,sendto`, fresh HOME, no opt-outs in env",
        what,
        f"0 connect/sendto outside 127.0.0.0/8 (0 to port 53); {loopback} to loopback; "
        "no ~/.cache/Microsoft",
    )


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (stopping strace alone detaches its tracees, still running;
    and the venv's python may be a wrapper that starts the real interpreter as its child)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            for child in (int(c) for c in (task / "children").read_text().split()):
                found += [child, *descendants(child)]
    return found


def stop_traced(proc: subprocess.Popen[bytes]) -> None:
    """Stop the traced command and everything it started, then strace."""
    below = descendants(proc.pid)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in reversed(below):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(Path(f"/proc/{p}").exists() for p in below):
            time.sleep(0.2)
    stop_process(proc)


@needs_strace
def test_ask_sends_nothing_out(index_dir: Path, tmp_path: Path) -> None:
    home, log = tmp_path / "home", tmp_path / "ask.strace"
    home.mkdir()
    argv = [IJDQA, "ask", FOUNDED, "--no-build", "--index-dir", str(index_dir)]
    done = subprocess.run(
        traced(argv, log), env=bare_env(home), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "1997" in done.stdout  # it really answered, so the encoder really ran
    check_traced("ijdqa ask", log, home, "1 cold start + 1 answer (ONNX query encoder)")


@needs_strace
def test_ask_with_the_local_llm_sends_nothing_out(
    index_dir: Path, local_llm: Path, tmp_path: Path
) -> None:
    """The local model (llama.cpp, in-process) reads its GGUF from the index folder only."""
    (index_dir / "llm").mkdir(exist_ok=True)
    target = index_dir / "llm" / local_llm.name
    if not target.exists():
        target.symlink_to(local_llm)
    home, log = tmp_path / "home", tmp_path / "ask-llm.strace"
    home.mkdir()
    argv = [IJDQA, "ask", FOUNDED, "--no-build", "--index-dir", str(index_dir), "--llm", "local"]
    argv += ["--llm-timeout", "240", "--json"]
    done = subprocess.run(
        traced(argv, log), env=bare_env(home), capture_output=True, text=True, timeout=400
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert '"answerer": "llm"' in done.stdout  # the local model really answered
    check_traced("ijdqa ask --llm local", log, home, "1 cold start + 1 answer by Gemma 3 270M")


@needs_strace
def test_index_sends_nothing_out(index_dir: Path, tmp_path: Path) -> None:
    """A real build: a second report, embedded by sentence-transformers (torch, transformers)."""
    home, log = tmp_path / "home", tmp_path / "index.strace"
    home.mkdir()
    shutil.copytree(index_dir / "encoder", tmp_path / "index" / "encoder")
    report = ROOT / "tests" / "data" / "synthetic_report.txt"
    argv = [IJDQA, "index", "--report", str(report), "--index-dir", str(tmp_path / "index")]
    done = subprocess.run(
        traced(argv, log), env=bare_env(home), capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert list((tmp_path / "index").glob("reports/*/CURRENT"))
    check_traced("ijdqa index", log, home, "1 build of a new report (model load + embedding)")


@needs_strace
def test_chat_sends_nothing_out(index_dir: Path, tmp_path: Path) -> None:
    import httpx
    from gradio_client import Client

    home, log, out = tmp_path / "home", tmp_path / "chat.strace", tmp_path / "chat.log"
    home.mkdir()
    port = free_port()
    argv = [IJDQA, "chat", "--no-build", "--index-dir", str(index_dir), "--port", str(port)]
    with out.open("wb") as fh:
        proc = subprocess.Popen(
            traced(argv, log), env=bare_env(home), stdout=fh, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        began = time.monotonic()
        while time.monotonic() - began < 240:
            assert proc.poll() is None, out.read_text()[-3000:]
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail(f"ijdqa chat did not start: {out.read_text()[-3000:]}")
        served = time.monotonic()
        got = Client(url, verbose=False).predict(FOUNDED, 6, api_name="/ask")
        assert "1997" in got["answer"]
        time.sleep(max(0.0, CHAT_SECONDS - (time.monotonic() - served)))
    finally:
        stop_traced(proc)
    check_traced(
        "ijdqa chat",
        log,
        home,
        f"start-up, page load, 1 /ask answer, {CHAT_SECONDS:.0f} s served",
    )
