"""Start-up and memory: import time of each framework, and resident memory under load.

Import time is measured in fresh interpreters (the median of several), both
as the ``import`` statement alone and as the whole process from start to exit.
Memory is VmRSS from ``/proc/self/status`` of a child process after 100,000
and 200,000 in-process hello requests: growth between the two means a leak.

``python -m bench.startup FRAMEWORK-KEY`` is the memory child.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import report
from bench.apps import FRAMEWORKS, Framework, select
from bench.errors import python_path
from bench.scenarios import BY_NAME, BenchError

__all__ = ["import_times", "memory", "run_startup"]

ROOT = Path(__file__).resolve().parent.parent
# The module that defines each framework's app class: ``import starlette`` alone
# imports an empty package.
MODULES = ("vial", "flask", "bottle", "falcon", "starlette.applications", "fastapi", "quart")
COUNTS = (100_000, 200_000)
_IMPORT = "import time; t = time.perf_counter(); import {m}; print(time.perf_counter() - t)"


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def import_times(modules: tuple[str, ...], runs: int) -> dict[str, tuple[float, float]]:
    """Per module: (median ms of the import statement, median ms of the whole process)."""
    env = dict(os.environ, PYTHONPATH=python_path())
    # Without bytecode caching every run would compile vial's source (installed
    # packages come with .pyc files): let the uncounted first run write it.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times: dict[str, tuple[float, float]] = {}
    for module in ("", *modules):
        code = _IMPORT.format(m=module) if module else "print(0)"
        inner, outer = [], []
        for run in range(runs + 1):  # the first run compiles bytecode; not counted
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True
            )
            if done.returncode != 0:
                raise BenchError(f"cannot import {module}:\n{done.stderr}")
            if run:
                outer.append(time.perf_counter() - start)
                inner.append(float(done.stdout))
        times[module or "(bare interpreter)"] = (_median_ms(inner), _median_ms(outer))
    return times


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise BenchError("no VmRSS in /proc/self/status")


def _memory_child(key: str) -> None:
    """Run hello requests in this process and print VmRSS (KiB) as JSON."""
    import asyncio

    from bench.inprocess import client_for

    framework = next(f for f in FRAMEWORKS if f.key == key)
    loop = asyncio.new_event_loop()
    client = client_for(framework, framework.load().app, loop)
    scenario = BY_NAME["hello"]
    scenario.verify(client.send(scenario.request), key)
    timer = client.timer(scenario.request)
    timer(1000)
    rss = {"baseline": _rss_kib()}
    done = 0
    for count in COUNTS:
        timer(count - done)
        done = count
        rss[str(count)] = _rss_kib()
    client.close()
    print(json.dumps(rss))


def memory(framework: Framework) -> dict[str, int]:
    """VmRSS (KiB) of a child process after 1,000 warm-up requests and after COUNTS."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.startup", framework.key],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"memory run of {framework.key} failed:\n{done.stderr}")
    return dict(json.loads(done.stdout))


def run_startup(args: argparse.Namespace) -> None:
    """Print (and with ``--write`` record) import times and memory growth."""
    runs = 3 if args.quick else 9
    lines = [f"Import time, median of {runs} fresh interpreters:", ""]
    lines += ["| module | `import` statement ms | whole process ms |", "|---|---:|---:|"]
    modules = ("vial", "flask") if args.quick else MODULES
    for module, (inner, outer) in import_times(modules, runs).items():
        lines.append(f"| {module} | {inner:.1f} | {outer:.1f} |")
    print("\n".join(lines), flush=True)
    if args.frameworks:
        chosen = select(args.frameworks, args.interface)
    else:
        keys = (
            ("vial-wsgi", "vial-asgi") if args.quick else ("vial-wsgi", "vial-asgi", "flask-wsgi")
        )
        chosen = [f for f in FRAMEWORKS if f.key in keys]
    mem = ["", "Resident memory (VmRSS, MiB) of one process serving in-process hello requests:", ""]
    mem += [
        "| framework | after import + 1k | after 100k | after 200k | growth 100k→200k |",
        "|---|---:|---:|---:|---:|",
    ]
    print("\n".join(mem), flush=True)
    for framework in chosen:
        rss = memory(framework)
        growth = rss[str(COUNTS[1])] - rss[str(COUNTS[0])]
        mem.append(
            f"| {framework.title} | {rss['baseline'] / 1024:.1f}"
            f" | {rss[str(COUNTS[0])] / 1024:.1f} | {rss[str(COUNTS[1])] / 1024:.1f}"
            f" | {growth:+d} KiB |"
        )
        print(mem[-1], flush=True)
    text = "\n".join(lines + mem)
    if args.write:
        print(f"wrote {report.write_section('start-up and memory', text)}")


if __name__ == "__main__":
    _memory_child(sys.argv[1])
