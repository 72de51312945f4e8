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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import report
from bench.apps import FRAMEWORKS, Framework, select
from bench.errors import BenchError
from bench.report import TIMES
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
    """Print (and with ``--write`` record) instructions per request: one row per
    scenario, one column per framework; the valgrind runs go in parallel, one per CPU."""
    if shutil.which("valgrind") is None:
        raise BenchError("valgrind is not installed: apt-get install valgrind")
    scenarios = [s.name for s in select_scenarios(args.callgrind)]
    n = args.requests
    frameworks = select(args.frameworks or DEFAULT_FRAMEWORKS, args.interface)
    print(f"callgrind: {len(scenarios)} scenarios x {len(frameworks)} frameworks", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="vial-callgrind-") as tmp_name:
        tmp = Path(tmp_name)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            runs = {
                (framework.key, scenario): [
                    pool.submit(instructions, framework.key, scenario, count, tmp)
                    for count in (n, 0)
                ]
                for scenario in scenarios
                for framework in frameworks
                if scenario not in framework.load().skip
            }
            per = {case: (done.result() - base.result()) / n for case, (done, base) in runs.items()}
    body = _table(per, frameworks, scenarios, n)
    print(body)
    if args.write:
        print(f"wrote {report.write_section('callgrind', body, ('valgrind',))}")


def _table(
    per: dict[tuple[str, str], float], frameworks: list[Framework], scenarios: list[str], n: int
) -> str:
    """Markdown: instructions per request, and each peer's ratio to vial on its interface."""
    lines = [
        f"Instructions per request: (I(200 + {n}) - I(200)) / {n} under valgrind"
        f" --tool=callgrind ({TIMES} = that ÷ vial on the same interface:"
        " above 1, vial does less).",
        "",
        "| scenario | " + " | ".join(f.title for f in frameworks) + " |",
        "|---|" + "---:|" * len(frameworks),
    ]
    vial = {f.interface: f.key for f in frameworks if f.name == "vial"}
    for scenario in scenarios:
        cells = []
        for framework in frameworks:
            value = per.get((framework.key, scenario))
            base = per.get((vial.get(framework.interface, ""), scenario))
            if value is None:
                cells.append("n/a")
            elif base and framework.name != "vial":
                cells.append(f"{value:,.0f} ({value / base:.2f}{TIMES})")
            else:
                cells.append(f"{value:,.0f}")
        lines.append(f"| {scenario} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    _child(sys.argv[1], sys.argv[2], int(sys.argv[3]))
