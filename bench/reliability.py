"""Reliability numbers for docs/reliability.md: the web chat under load, and the result tables.

    python bench/reliability.py load [--clients 50] [--seconds 60] [--index-dir index]
        Serve `ijdqa chat` on a free loopback port (its own process, default settings), run
        CLIENTS threads that each ask questions back to back for SECONDS (POST /api/ask, or
        with --route gradio Gradio's /ask through its queue), then let the
        requests in flight finish. Writes bench/load.json: requests, errors, lost and wrong
        answers, p50/p95/max latency, throughput, and the server's peak RSS.

    python bench/reliability.py table [--write]
        Print the tables of docs/reliability.md from the rows the reliability tests wrote to
        test-output/reliability/*.json (and bench/load.json); --write replaces the generated
        part of docs/reliability.md (between its `reliability:begin/end` markers).

tests/test_load.py runs `run_load` for 10 s with 50 clients (and 60 s when slow tests run).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
ROWS = ROOT / "test-output" / "reliability"
DOC = ROOT / "docs" / "reliability.md"
IJDQA = shutil.which("ijdqa", path=str(Path(sys.executable).parent)) or "ijdqa"
QUESTIONS = [
    "When was the IHRC founded?",
    "Which tweet is cited for Khamenei's call to arm the west bank?",
    "How many partner organizations were in the UK?",
    "What does footnote 15 cite?",
    "Who is the president of France?",
]

# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_chat(index_dir: Path, log: Path, *, timeout: float = 240) -> Iterator[tuple[str, int]]:
    """`ijdqa chat --no-build` on a free loopback port: yields (url, server pid)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IJDQA_")}
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [IJDQA, "chat", "--no-build", "--index-dir", str(index_dir), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=log.parent,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"ijdqa chat exited: {log.read_text()[-2000:]}")
            try:
                if httpx.get(url + "/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"ijdqa chat did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


def rss_kib(pid: int, field_name: str = "VmRSS") -> int:
    """A memory figure of a process from /proc (0 where there is no /proc)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- the clients --------------------------------------------------------------------------


ROUTES = {
    "api": "POST /api/ask (plain JSON)",
    "gradio": "/ask over Gradio's HTTP API (queue + event stream)",
}


def ask_api(client: httpx.Client, url: str, question: str, k: int = 6) -> dict[str, Any]:
    """One POST /api/ask: the answer JSON in the response body."""
    reply = client.post(f"{url}/api/ask", json={"question": question, "k": k})
    reply.raise_for_status()
    return dict(reply.json())


def same_answer(got: dict[str, Any]) -> dict[str, Any]:
    """The answer less its timings (which differ from call to call), for comparing."""
    return {key: value for key, value in got.items() if key != "timings_ms"}


def ask(client: httpx.Client, url: str, question: str, k: int = 6) -> dict[str, Any]:
    """One /ask call through Gradio's HTTP API (post, then read the event stream)."""
    posted = client.post(f"{url}/gradio_api/call/ask", json={"data": [question, k]})
    posted.raise_for_status()
    event_id = posted.json()["event_id"]
    event, data = "", ""
    with client.stream("GET", f"{url}/gradio_api/call/ask/{event_id}") as stream:
        for line in stream.iter_lines():
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
                if event in ("complete", "error"):
                    break
    if event != "complete":
        raise RuntimeError(f"event {event!r}: {data[:200]}")
    return dict(json.loads(data)[0])


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wrong: int = 0
    sent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def run_load(
    url: str, pid: int, *, clients: int, seconds: float, route: str = "api"
) -> dict[str, Any]:
    """CLIENTS threads asking back to back until SECONDS have passed; the numbers."""
    call = ask_api if route == "api" else ask
    with httpx.Client(timeout=300) as client:  # what each answer should be, asked alone
        expected = {q: same_answer(call(client, url, q)) for q in QUESTIONS}
    rss_before = rss_kib(pid)
    tally, peak = Tally(), [rss_before]
    start = threading.Barrier(clients + 1)
    stop_sampling = threading.Event()

    def one_client(n: int) -> None:
        with httpx.Client(timeout=300) as client:
            start.wait()
            deadline = time.monotonic() + seconds
            i = 0
            while time.monotonic() < deadline:
                question = QUESTIONS[(n + i) % len(QUESTIONS)]
                i += 1
                with tally.lock:
                    tally.sent += 1
                began = time.perf_counter()
                try:
                    got = same_answer(call(client, url, question))
                except Exception as exc:  # counted and reported, never hidden
                    with tally.lock:
                        tally.errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
                    continue
                elapsed = time.perf_counter() - began
                with tally.lock:
                    tally.latencies.append(elapsed)
                    tally.wrong += got != expected[question]

    def sample() -> None:
        while not stop_sampling.wait(0.25):
            peak[0] = max(peak[0], rss_kib(pid))

    threads = [threading.Thread(target=one_client, args=(n,)) for n in range(clients)]
    sampler = threading.Thread(target=sample)
    for t in [*threads, sampler]:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    stop_sampling.set()
    sampler.join()
    numbers = summary(tally, clients, seconds, wall, rss_before, peak[0], rss_kib(pid, "VmHWM"))
    return {"route": route, **numbers, "what": f"{ROUTES[route]}, {numbers['what']}"}


def summary(
    tally: Tally,
    clients: int,
    seconds: float,
    wall: float,
    rss_before: int,
    rss_peak: int,
    hwm: int,
) -> dict[str, Any]:
    ms = sorted(s * 1000 for s in tally.latencies)
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
    return {
        "what": "httpx threads -> `ijdqa chat` (own process), loopback",
        "clients": clients,
        "seconds": seconds,
        "questions": len(QUESTIONS),
        "requests_sent": tally.sent,
        "answers_received": len(ms),
        "errors": len(tally.errors),
        "error_examples": tally.errors[:5],
        "lost_answers": tally.sent - len(ms) - len(tally.errors),
        "wrong_answers": tally.wrong,
        "p50_ms": round(cuts[49], 1) if ms else None,
        "p95_ms": round(cuts[94], 1) if ms else None,
        "max_ms": round(ms[-1], 1) if ms else None,
        "wall_s": round(wall, 2),
        "answers_per_s": round(len(ms) / wall, 2) if wall else None,
        "server_rss_mib_before": round(rss_before / 1024, 1),
        "server_rss_mib_peak": round(max(rss_peak, hwm) / 1024, 1),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
    }


# --- the tables ---------------------------------------------------------------------------

TABLES = [
    ("cli_arguments", "Bad input: CLI arguments (`ijdqa ask` / `search`, real subprocesses)"),
    ("cli_files", "Bad input: files given to the CLI (`--history`, `--report`, `sources add`)"),
    ("eval_gold", "Bad input: gold files for `ijdqa eval --gold`"),
    ("web_inputs", "Bad input: the web chat handler, the /ask handler and the HTTP API"),
    ("fuzz", "Fuzzing (hypothesis, fixed max_examples, no deadline)"),
    ("faults", "Faults while running"),
    ("corruption", "Each index file corrupted before a start-up: answers, or which IjdqaError"),
    ("load", "Load: the web chat under concurrent loopback clients"),
    ("safe_defaults", "Safe defaults"),
    ("hostile_text", "Hostile text (extractive answerer)"),
    ("network", "Nothing leaves the machine (strace, outside the process)"),
]
BEGIN, END = "<!-- reliability:begin -->", "<!-- reliability:end -->"


def load_row(numbers: dict[str, Any], source: str) -> dict[str, str]:
    return {
        "tried": f"{numbers['clients']} concurrent clients for {numbers['seconds']:g} s on "
        f"{ROUTES[numbers.get('route', 'gradio')]} ({source})",
        "amount": f"{numbers['requests_sent']} requests, {numbers['questions']} questions",
        "happened": (
            f"{numbers['errors']} errors, {numbers['lost_answers']} lost, "
            f"{numbers['wrong_answers']} wrong answers; p50 {numbers['p50_ms']:.0f} ms, "
            f"p95 {numbers['p95_ms']:.0f} ms, max {numbers['max_ms']:.0f} ms; "
            f"{numbers['answers_per_s']} answers/s; server RSS "
            f"{numbers['server_rss_mib_before']} → peak {numbers['server_rss_mib_peak']} MiB"
        ),
    }


def rows(table: str) -> list[dict[str, str]]:
    path = ROWS / f"{table}.json"
    found = list(json.loads(path.read_text(encoding="utf-8")).values()) if path.exists() else []
    bench = ROOT / "bench" / "load.json"
    if table == "load" and bench.exists():
        found.append(load_row(json.loads(bench.read_text(encoding="utf-8")), "bench/load.json"))
    return found


def markdown() -> str:
    parts = []
    for table, title in TABLES:
        found = rows(table)
        if not found:
            continue
        lines = [
            f"### {title}",
            "",
            "| What was tried | How much | What happened |",
            "|---|---|---|",
        ]
        for row in found:
            cells = (row["tried"], row["amount"], row["happened"])
            lines.append("| " + " | ".join(c.replace("|", "/") for c in cells) + " |")
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


def write_doc(text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")
    head, _, rest = doc.partition(BEGIN)
    _, _, tail = rest.partition(END)
    if not rest:
        raise SystemExit(f"{DOC} has no {BEGIN} marker")
    DOC.write_text(f"{head}{BEGIN}\n\n{text}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    from ijdqa.offline import opt_out

    opt_out()  # before onnxruntime, chromadb or gradio loads: no telemetry from the bench
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    load = sub.add_parser("load", help="the web chat under concurrent clients -> bench/load.json")
    load.add_argument("--clients", type=int, default=50)
    load.add_argument("--seconds", type=float, default=60.0)
    load.add_argument("--index-dir", type=Path, default=ROOT / "index")
    load.add_argument("--out", type=Path, default=ROOT / "bench" / "load.json")
    load.add_argument("--route", choices=sorted(ROUTES), default="api", help="what to load")
    table = sub.add_parser("table", help="print (or --write) the tables of docs/reliability.md")
    table.add_argument("--write", action="store_true", help=f"replace the tables in {DOC.name}")
    args = parser.parse_args(argv)
    if args.command == "table":
        if args.write:
            write_doc(markdown())
        else:
            with contextlib.suppress(BrokenPipeError):  # `| head`
                print(markdown())
        return 0
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"ijdqa-load-{os.getpid()}.log"
    with serve_chat(args.index_dir.resolve(), log) as (url, pid):
        numbers = run_load(url, pid, clients=args.clients, seconds=args.seconds, route=args.route)
    args.out.write_text(json.dumps(numbers, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(numbers, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
