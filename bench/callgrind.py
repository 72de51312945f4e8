"""Instructions per request under ``valgrind --tool=callgrind``.

For each framework, one scenario runs twice in a child process under
callgrind: after the same import, check and 200 warm-up requests, once with
no further requests and once with N. The difference of the two instruction
counts, divided by N, is the cost of one request, start-up excluded.
Instruction counts barely move from run to run, so this compares hot paths
on a noisy machine where timings cannot.

``python -m bench.callgrind FRAMEWORK-KEY SCENARIO N`` is the child.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import report
from bench.apps import FRAMEWORKS, select
from bench.errors import BenchError
from bench.scenarios import BY_NAME
from bench.scenarios import select as select_scenarios

__all__ = ["instructions", "run_callgrind"]

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FRAMEWORKS = "vial,falcon,raw"
WARM_UP = 200


def _child(key: str, scenario_name: str, n: int) -> None:
    """Check the scenario, warm up, then run ``n`` requests."""
    import asyncio

    from bench.inprocess import client_for

    framework = next(f for f in FRAMEWORKS if f.key == key)
    scenario = BY_NAME[scenario_name]
    loop = asyncio.new_event_loop()
    client = client_for(framework, framework.load().app, loop)
    req = scenario.timed_request(client.send, key)
    scenario.verify(client.send(req), key)
    timer = client.timer(req)
    timer(WARM_UP)
    if n:
        timer(n)


def instructions(key: str, scenario: str, n: int, tmp: Path) -> int:
    """Instructions callgrind counts for a child that runs ``n`` requests after warm-up."""
    command = [
        *("valgrind", "--tool=callgrind", f"--callgrind-out-file={tmp}/callgrind.out.%p"),
        *(sys.executable, "-m", "bench.callgrind", key, scenario, str(n)),
    ]
    env = dict(os.environ, PYTHONHASHSEED="0")
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    found = re.search(r"Collected\s*:\s*(\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise BenchError(f"callgrind run of {key} / {scenario} failed:\n{done.stderr[-3000:]}")
    return int(found[1])


def run_callgrind(args: argparse.Namespace) -> None:
    """Print (and with ``--write`` record) instructions per request per framework."""
    if shutil.which("valgrind") is None:
        raise BenchError("valgrind is not installed: apt-get install valgrind")
    scenario = select_scenarios(args.callgrind)[0].name
    n = args.requests
    frameworks = select(args.frameworks or DEFAULT_FRAMEWORKS, args.interface)
    lines = [
        f"Instructions per request, scenario `{scenario}`: (I(200 + {n}) - I(200)) / {n}"
        " under valgrind --tool=callgrind.",
        "",
        "| framework | instructions per request | ÷ vial |",
        "|---|---:|---:|",
    ]
    print("\n".join(lines), flush=True)
    base: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="vial-callgrind-") as tmp_name:
        for framework in frameworks:
            if scenario in framework.load().skip:
                continue
            tmp = Path(tmp_name)
            per = (
                instructions(framework.key, scenario, n, tmp)
                - instructions(framework.key, scenario, 0, tmp)
            ) / n
            if framework.name == "vial":
                base[framework.interface] = per
            ratio = per / base[framework.interface] if framework.interface in base else None
            lines.append(f"| {framework.title} | {per:,.0f} | {f'{ratio:.2f}' if ratio else ''} |")
            print(lines[-1], flush=True)
    if args.write:
        body = "\n".join(lines)
        print(f"wrote {report.write_section(f'callgrind {scenario}', body, ('valgrind',))}")


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
