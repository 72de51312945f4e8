"""Show that vial's router costs the same with 10, 100 and 1,000 rules.

Run: .venv/bin/python bench/run.py --routing (``--write`` records the table).

Each map holds a mix of static, one-variable and two-variable rules; the timed
requests hit a rule added in the middle. Prints the best of several timeit
rounds, in microseconds per call, and (``first``, in milliseconds) what the
map's first match costs: it compiles the matcher, which must not grow with
the rules either, since parts are compiled when a request first reaches them.
"""

from __future__ import annotations

import argparse
import time
import timeit

from bench import report
from vial.routing import Map, Rule

SIZES = (10, 100, 1_000)
NUMBER = 20_000
REPEAT = 7


def make_map(size: int) -> Map:
    """A map of ``size`` rules: a third static, a third ``<int>``, a third two-variable."""
    rules = []
    for i in range(size):
        kind = i % 3
        if kind == 0:
            rules.append(Rule(f"/page{i}/about", endpoint=f"static{i}"))
        elif kind == 1:
            rules.append(Rule(f"/item{i}/<int:id>", endpoint=f"item{i}"))
        else:
            rules.append(Rule(f"/user{i}/<name>/posts/<int:post>", endpoint=f"post{i}"))
    return Map(rules)


def per_call(stmt: str, env: dict[str, object]) -> float:
    """Best-of-rounds µs per execution of ``stmt``."""
    best = min(timeit.repeat(stmt, globals=env, number=NUMBER, repeat=REPEAT))
    return best / NUMBER * 1e6


def table() -> str:
    """Markdown: one row per map size, µs per call (``first``: ms)."""
    lines = [
        "`Map.match` and `Map.build` directly, best of 7 rounds of 20,000 calls, µs per call;"
        " `first match` (ms) is the first call, which compiles the matcher.",
        "",
        "| rules | static | 1 variable | 2 variables | 404 | build | first match (ms) |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in SIZES:
        urls = make_map(size)
        mid = size // 2
        static = mid - mid % 3
        item = static + 1
        post = static + 2
        if post >= size:
            post = 2
        start = time.perf_counter()
        assert urls.match(f"/item{item}/42", "GET") is not None
        first = (time.perf_counter() - start) * 1e3
        assert urls.match(f"/page{static}/about", "GET") is not None
        assert urls.match(f"/user{post}/bob/posts/7", "GET") is not None
        assert urls.match("/missing/path", "GET") is None
        env: dict[str, object] = {"m": urls.match, "b": urls.build}
        row = [
            per_call(f"m('/page{static}/about', 'GET')", env),
            per_call(f"m('/item{item}/42', 'GET')", env),
            per_call(f"m('/user{post}/bob/posts/7', 'GET')", env),
            per_call("m('/missing/path', 'GET')", env),
            per_call(f"b('post{post}', {{'name': 'bob', 'post': 7}})", env),
        ]
        lines.append(f"| {size:,} | " + " | ".join(f"{v:.3f}" for v in [*row, first]) + " |")
    return "\n".join(lines)


def run_routing(args: argparse.Namespace) -> None:
    """Print (and with ``--write`` record) the routing table."""
    body = table()
    print(body)
    if args.write:
        print(f"wrote {report.write_section('routing scaling', body)}")


if __name__ == "__main__":
    print(table())
