"""End-to-end: each app behind a real server on 127.0.0.1, loaded by wrk.

WSGI apps run under gunicorn (one sync worker), ASGI apps under uvicorn and
under granian (one worker each). Each server gets a free port on 127.0.0.1,
answers are checked over HTTP first, wrk then runs for a bounded few seconds
per case, and the server is stopped by its PID (terminate, wait, kill).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import report
from bench.apps import Framework
from bench.errors import python_path
from bench.scenarios import BenchError, Exchange, HTTPRequest, Reply, Scenario, select

__all__ = ["SERVERS", "run_e2e"]

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
DEFAULT_SCENARIOS = "hello,params,json,template"
QUICK_SCENARIOS = "hello,json"


def _gunicorn(target: str, port: int) -> list[str]:
    return [
        *(str(BIN / "gunicorn"), "--bind", f"{HOST}:{port}", "--workers", "1"),
        *("--worker-class", "sync", "--log-level", "warning", target),
    ]


def _uvicorn(target: str, port: int) -> list[str]:
    return [
        *(str(BIN / "uvicorn"), target, "--host", HOST, "--port", str(port)),
        *("--log-level", "warning", "--no-access-log"),
    ]


def _granian(target: str, port: int) -> list[str]:
    return [
        *(str(BIN / "granian"), "--interface", "asgi", "--host", HOST, "--port", str(port)),
        *("--workers", "1", "--log-level", "warning", "--no-access-log", "--no-ws", target),
    ]


# server name -> (interface it serves, command line for (module:app, port))
SERVERS: dict[str, tuple[str, Callable[[str, int], list[str]]]] = {
    "gunicorn": ("wsgi", _gunicorn),
    "uvicorn": ("asgi", _uvicorn),
    "granian": ("asgi", _granian),
}


@dataclass
class Load:
    """What wrk measured for one case."""

    framework: Framework
    server: str
    scenario: Scenario
    rps: float
    latency_ms: dict[str, float]
    errors: int


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def http_exchange(port: int) -> Exchange:
    """Sends one request over a fresh connection and reads the whole reply."""

    def send(req: HTTPRequest) -> Reply:
        conn = http.client.HTTPConnection(HOST, port, timeout=10)
        try:
            conn.request(req.method, req.target, body=req.body or None, headers=dict(req.headers))
            resp = conn.getresponse()
            body = resp.read()
            return Reply(resp.status, [(k.lower(), v) for k, v in resp.getheaders()], body)
        finally:
            conn.close()

    return send


class Server:
    """One server process serving one app; a context manager that always stops it."""

    def __init__(self, name: str, framework: Framework, log_dir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.command = SERVERS[name][1](framework.target, self.port)
        self.log_path = log_dir / f"{framework.key}-{name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        env = dict(os.environ, PYTHONPATH=python_path())
        with open(self.log_path, "wb") as log:
            # A new session, so that a server that ignores SIGTERM can be killed with its
            # workers; nothing else is in that process group.
            self.proc = subprocess.Popen(
                self.command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self._wait_ready()
        return self

    def __exit__(self, *exc: object) -> None:
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _wait_ready(self, timeout: float = 30.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(f"{' '.join(self.command)} exited:\n{self._log_tail()}")
            try:
                socket.create_connection((HOST, self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise BenchError(f"{self.name} did not listen within {timeout:g} s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])


def _lua(text: str) -> str:
    return f"[==[{text}]==]"


def wrk_script(req: HTTPRequest, path: Path) -> Path:
    """A wrk Lua script that sets ``req``'s method, headers and body."""
    lines = [f"wrk.method = {_lua(req.method)}"]
    if req.body:
        lines.append(f"wrk.body = {_lua(req.body.decode('latin-1'))}")
        lines.append(f'wrk.headers["Content-Length"] = "{len(req.body)}"')
    lines += [f"wrk.headers[{_lua(k)}] = {_lua(v)}" for k, v in req.headers]
    path.write_text("\n".join(lines) + "\n")
    return path


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def parse_wrk(output: str) -> tuple[float, dict[str, float], int]:
    """Requests/s, latency percentiles in ms, and socket errors from wrk's output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rps is None:
        raise BenchError(f"cannot read wrk's output:\n{output}")
    latency = {
        f"p{m[1]}": float(m[2]) * _UNITS[m[3]]
        for m in re.finditer(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    }
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return float(rps[1]), latency, sum(int(n) for n in errors.groups()) if errors else 0


def run_wrk(port: int, req: HTTPRequest, seconds: int, connections: int, tmp: Path) -> str:
    """Run wrk against ``req`` for ``seconds`` and return its output."""
    script = wrk_script(req, tmp / "request.lua")
    command = [
        *("wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"),
        *("-s", str(script), f"http://{HOST}:{port}{req.target}"),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise BenchError(f"wrk failed: {done.stderr or done.stdout}")
    return done.stdout


def _cell(load: Load, base: Load | None) -> str:
    latency = load.latency_ms
    text = f"{load.rps:,.0f} / {latency.get('p50', 0):.2f} / {latency.get('p99', 0):.2f}"
    if base is not None and load is not base and load.rps:
        text += f" ({base.rps / load.rps:.2f}{report.TIMES})"
    return text + (f" ⚠{load.errors}" if load.errors else "")


def tables(loads: list[Load], frameworks: list[Framework], scenarios: list[Scenario]) -> str:
    """One Markdown table per server."""
    parts = []
    for server, (interface, _) in SERVERS.items():
        mine = [f for f in frameworks if f.interface == interface]
        rows = [s for s in scenarios if any(x.server == server and x.scenario == s for x in loads)]
        if not mine or not rows:
            continue
        parts += [
            f"**{server}** ({interface.upper()}): requests/s / p50 ms / p99 ms"
            f" ({report.TIMES} = vial's requests/s ÷ that: above 1, vial is faster;"
            " ⚠ = socket errors)",
            "",
            "| scenario | " + " | ".join(f.label for f in mine) + " |",
            "|---|" + "---:|" * len(mine),
        ]
        for scenario in rows:
            found = {x.framework: x for x in loads if x.server == server and x.scenario == scenario}
            base = next((x for f, x in found.items() if f.name == "vial"), None)
            cells = [_cell(found[f], base) if f in found else "n/a" for f in mine]
            parts.append(f"| {scenario.name} | " + " | ".join(cells) + " |")
        parts.append("")
    return "\n".join(parts)


def run_e2e(args: argparse.Namespace, frameworks: list[Framework]) -> None:
    """Serve, check and load every selected framework on every server of its interface."""
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed: apt-get install wrk")
    servers = [s.strip() for s in args.servers.split(",")]
    for name in servers:
        if name not in SERVERS:
            raise BenchError(f"unknown server {name!r}: choose from {', '.join(SERVERS)}")
    scenarios = select(args.scenarios or (QUICK_SCENARIOS if args.quick else DEFAULT_SCENARIOS))
    seconds = 2 if args.quick else max(1, round(args.duration))
    loads: list[Load] = []
    with tempfile.TemporaryDirectory(prefix="vial-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for framework in frameworks:
            skip = framework.load().skip
            for server in servers:
                if SERVERS[server][0] != framework.interface:
                    continue
                where = f"{framework.label} ({server})"
                with Server(server, framework, tmp) as running:
                    send = http_exchange(running.port)
                    for scenario in scenarios:
                        if scenario.name in skip:
                            continue
                        req = scenario.timed_request(send, where)
                        scenario.verify(send(req), where)
                        rps, latency, errors = parse_wrk(
                            run_wrk(running.port, req, seconds, args.connections, tmp)
                        )
                        loads.append(Load(framework, server, scenario, rps, latency, errors))
                        print(
                            f"{where:28} {scenario.name:10} {rps:10,.0f} req/s",
                            file=sys.stderr,
                        )
    text = tables(loads, frameworks, scenarios)
    print(text)
    if args.write:
        method = (
            f"End-to-end on 127.0.0.1: wrk -t1 -c{args.connections} -d{seconds}s per case;"
            " one worker per server (gunicorn sync; uvicorn and granian with their defaults)."
        )
        path = report.write_section("end-to-end", method + "\n\n" + text, ("wrk",))
        print(f"wrote {path}")
