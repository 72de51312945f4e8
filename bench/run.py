"""Run the benchmark suite: ``python bench/run.py --help``.

Modes: in-process (the default), ``--e2e`` (real servers under wrk),
``--startup`` (import time and memory), ``--callgrind`` (instructions per
request). ``--write`` records the run in ``bench/RESULTS.md`` (and, for
in-process, draws ``bench/results.png``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import report
from bench.apps import FRAMEWORKS
from bench.apps import select as select_frameworks
from bench.scenarios import SCENARIOS, BenchError, select

QUICK = {"rounds": 7, "batch_ms": 10.0}
FULL = {"rounds": 15, "batch_ms": 40.0}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="bench/run.py",
        description="vial's benchmark suite: the same scenarios in vial and its peers.",
    )
    mode = parser.add_argument_group("modes (default: in-process timing)")
    mode.add_argument("--e2e", action="store_true", help="serve each app and load it with wrk")
    mode.add_argument("--startup", action="store_true", help="import time and resident memory")
    mode.add_argument(
        "--callgrind",
        metavar="SCENARIOS",
        help="instructions per request under valgrind (vial, Falcon, raw): comma-separated"
        " scenarios, or all",
    )
    mode.add_argument(
        "--routing", action="store_true", help="vial's route matching with 10, 100, 1,000 rules"
    )
    mode.add_argument("--list", action="store_true", help="list frameworks and scenarios")
    sel = parser.add_argument_group("selection")
    sel.add_argument("--frameworks", "-f", help="comma-separated, e.g. vial,falcon,flask")
    sel.add_argument("--scenarios", "-s", help="comma-separated, e.g. hello,json")
    sel.add_argument("--interface", choices=("wsgi", "asgi", "both"), default="both")
    timing = parser.add_argument_group("in-process timing")
    timing.add_argument("--quick", action="store_true", help="short rounds (well under a minute)")
    timing.add_argument("--rounds", type=int, help="interleaved rounds (default 15, quick 7)")
    timing.add_argument("--batch-ms", type=float, help="time per batch (default 40, quick 10)")
    e2e = parser.add_argument_group("end-to-end")
    e2e.add_argument("--duration", type=float, default=3.0, help="seconds of wrk per case")
    e2e.add_argument("--connections", type=int, default=16, help="wrk connections")
    e2e.add_argument(
        "--servers", default="gunicorn,uvicorn,granian", help="comma-separated server names"
    )
    grind = parser.add_argument_group("callgrind")
    grind.add_argument("--requests", type=int, default=2000, help="requests per measured run")
    parser.add_argument("--write", action="store_true", help="record in bench/RESULTS.md")
    return parser.parse_args(argv)


def run_inprocess(args: argparse.Namespace) -> None:
    from bench.inprocess import measure

    preset = QUICK if args.quick else FULL
    rounds = args.rounds or int(preset["rounds"])
    batch_ms = args.batch_ms or preset["batch_ms"]
    frameworks = select_frameworks(args.frameworks, args.interface)
    results = measure(frameworks, select(args.scenarios), rounds, batch_ms)
    tables = report.inprocess_tables(results)
    print(tables)
    slower = report.slower_than_peers(results)
    print("vial slower than the fastest peer:", "; ".join(slower) if slower else "nowhere")
    if args.write:
        kind = "in-process (quick)" if args.quick else "in-process"
        method = (
            f"In-process, {rounds} interleaved rounds of ~{batch_ms:g} ms batches per case;"
            " median µs per request."
        )
        path = report.write_section(kind, f"{method}\n\n{tables}")
        print(f"wrote {path} and {report.plot(results)}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        if args.list:
            for f in FRAMEWORKS:
                print(f"{f.key:16} {f.label:10} {f.target}")
            for s in SCENARIOS:
                print(f"{s.name:16} {s.request.method} {s.request.target}: {s.summary}")
            return 0
        if args.e2e or args.startup or args.callgrind or args.routing:
            if args.e2e:
                from bench.e2e import run_e2e

                run_e2e(args, select_frameworks(args.frameworks, args.interface))
            if args.startup:
                from bench.startup import run_startup

                run_startup(args)
            if args.callgrind:
                from bench.callgrind import run_callgrind

                run_callgrind(args)
            if args.routing:
                from bench.routing_scaling import run_routing

                run_routing(args)
            return 0
        run_inprocess(args)
        return 0
    except BenchError as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
