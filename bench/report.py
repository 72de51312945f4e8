"""Turning results into Markdown tables, ``RESULTS.md`` sections and ``results.png``."""

from __future__ import annotations

import datetime
import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path

from bench.apps import Framework
from bench.inprocess import InProcessResults

__all__ = [
    "TIMES",
    "environment",
    "inprocess_tables",
    "plot",
    "slower_than_peers",
    "write_section",
]

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_MD = BENCH_DIR / "RESULTS.md"
RESULTS_PNG = BENCH_DIR / "results.png"
TIMES = "\N{MULTIPLICATION SIGN}"

DISTRIBUTIONS = (
    "vial-framework",
    "werkzeug",
    "jinja2",
    "itsdangerous",
    "flask",
    "bottle",
    "falcon",
    "starlette",
    "fastapi",
    "pydantic",
    "python-multipart",
    "quart",
    "gunicorn",
    "uvicorn",
    "granian",
    "matplotlib",
)

_RESULTS_INTRO = """# Benchmark results

Each section is one run of `bench/run.py --write` (a later run on the same day
and of the same kind replaces it). `bench/README.md` says how the numbers are
made and what they mean; `results.png` draws the latest in-process run.
"""


def fmt_us(value: float) -> str:
    """µs with three significant digits and no exponent."""
    if value < 10:
        return f"{value:.2f}"
    if value < 100:
        return f"{value:.1f}"
    return f"{value:.0f}"


def fmt_ratio(value: float) -> str:
    """A ratio with two or three significant digits: ``0.047``, ``1.06``, ``19.2``."""
    if value < 0.1:
        return f"{value:.3f}"
    if value < 10:
        return f"{value:.2f}"
    return f"{value:.1f}"


def _base(results: InProcessResults, interface: str) -> Framework | None:
    return next(
        (f for f in results.frameworks if f.interface == interface and f.name == "vial"), None
    )


def inprocess_tables(results: InProcessResults) -> str:
    """One Markdown table per interface: median µs per request, ratio to vial.

    The fastest framework of a row (the raw floor aside) is in bold.
    """
    parts = []
    for interface in ("wsgi", "asgi"):
        frameworks = [f for f in results.frameworks if f.interface == interface]
        if not frameworks:
            continue
        base = _base(results, interface)
        parts.append(
            f"**{interface.upper()}**, median µs per request"
            + (
                f" ({TIMES} = that ÷ vial {interface.upper()}: above 1, vial is faster)"
                if base
                else ""
            )
        )
        parts.append("")
        parts.append("| scenario | " + " | ".join(f.label for f in frameworks) + " |")
        parts.append("|---|" + "---:|" * len(frameworks))
        for scenario in results.scenarios:
            values = {f: results.median(f, scenario) for f in frameworks}
            contenders = [v for f, v in values.items() if v is not None and f.name != "raw"]
            best = min(contenders) if contenders else None
            base_value = values.get(base) if base else None
            cells = []
            for framework, value in values.items():
                if value is None:
                    cells.append("n/a")
                    continue
                cell = fmt_us(value)
                if value == best:
                    cell = f"**{cell}**"
                if base_value and framework != base:
                    cell += f" ({fmt_ratio(value / base_value)}{TIMES})"
                cells.append(cell)
            parts.append(f"| {scenario.name} | " + " | ".join(cells) + " |")
        parts.append("")
    return "\n".join(parts)


def slower_than_peers(results: InProcessResults) -> list[str]:
    """Lines naming each scenario where vial is slower than the fastest peer."""
    lines = []
    for interface in ("wsgi", "asgi"):
        base = _base(results, interface)
        if base is None:
            continue
        for scenario in results.scenarios:
            mine = results.median(base, scenario)
            peers = [
                (value, f.label)
                for f in results.frameworks
                if f.interface == interface and f.name not in ("vial", "raw")
                for value in [results.median(f, scenario)]
                if value is not None
            ]
            if mine is None or not peers:
                continue
            value, label = min(peers)
            if value < mine:
                lines.append(
                    f"{interface.upper()} {scenario.name}: vial {fmt_us(mine)} µs,"
                    f" {label} {fmt_us(value)} µs"
                )
    return lines


def _cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match[1].strip() if match else platform.processor() or "unknown"


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _tool_version(args: list[str]) -> str | None:
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    line = (done.stdout or done.stderr).strip().splitlines()
    return line[0] if line else None


def _vial_commit() -> str:
    """The commit of the vial source measured, marked when ``src/vial`` has changes."""
    root = BENCH_DIR.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--", "src/vial"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return f"{commit or 'unknown'}{' with uncommitted changes' if changed else ''}"


def environment(tools: tuple[str, ...] = ()) -> str:
    """The machine, Python and package versions, as Markdown bullet lines."""
    versions = ", ".join(f"{d} {v}" for d in DISTRIBUTIONS if (v := _version(d)))
    lines = [
        f"- vial source: commit {_vial_commit()}",
        f"- machine: {os.cpu_count()} CPUs (`nproc` {len(os.sched_getaffinity(0))}),"
        f" {_cpu_model()}, {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- packages: {versions}",
    ]
    for tool in tools:
        version = _tool_version([tool, "--version"] if tool != "wrk" else ["wrk", "-v"])
        if version:
            lines.append(f"- {tool}: {version}")
    return "\n".join(lines)


def write_section(kind: str, body: str, tools: tuple[str, ...] = ()) -> Path:
    """Append to ``RESULTS.md``, or replace, today's section of ``kind``."""
    heading = f"## {datetime.date.today().isoformat()} · {kind}"
    section = f"{heading}\n\n{environment(tools)}\n\n{body.strip()}\n"
    text = RESULTS_MD.read_text() if RESULTS_MD.exists() else _RESULTS_INTRO
    chunks = re.split(r"(?m)^(?=## )", text)
    for index, chunk in enumerate(chunks):
        if chunk.splitlines()[0:1] == [heading]:
            chunks[index] = section + "\n"
            break
    else:
        chunks[-1] = chunks[-1].rstrip("\n") + "\n\n"
        chunks.append(section)
    RESULTS_MD.write_text("".join(chunks).rstrip("\n") + "\n")
    return RESULTS_MD


# One colour per framework, the same on both panels; vial stands out.
_COLOURS = {
    "vial": "#d62728",
    "flask": "#1f77b4",
    "bottle": "#8c564b",
    "falcon": "#2ca02c",
    "starlette": "#9467bd",
    "fastapi": "#17becf",
    "quart": "#ff7f0e",
    "raw": "#7f7f7f",
}


def plot(results: InProcessResults, path: Path = RESULTS_PNG) -> Path:
    """Grouped bars, one group per scenario, µs per request on a log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    interfaces = [i for i in ("wsgi", "asgi") if any(f.interface == i for f in results.frameworks)]
    fig, axes = plt.subplots(len(interfaces), 1, figsize=(14, 4.8 * len(interfaces)), squeeze=False)
    names = [s.name for s in results.scenarios]
    for ax, interface in zip(axes[:, 0], interfaces, strict=True):
        frameworks = [f for f in results.frameworks if f.interface == interface]
        width = 0.84 / len(frameworks)
        for index, framework in enumerate(frameworks):
            xs, ys = [], []
            for position, scenario in enumerate(results.scenarios):
                x = position - 0.42 + width * (index + 0.5)
                value = results.median(framework, scenario)
                if value is None:
                    ax.annotate(
                        "n/a", (x, 0), xycoords=("data", "axes fraction"), xytext=(0, 3),
                        textcoords="offset points", ha="center", fontsize=6, rotation=90,
                        color="#555555",
                    )  # fmt: skip
                else:
                    xs.append(x)
                    ys.append(value)
            ax.bar(
                xs,
                ys,
                width,
                label=framework.label,
                color=_COLOURS.get(framework.name),
                edgecolor="black" if framework.name == "vial" else "none",
                linewidth=0.8,
            )
        ax.set_yscale("log")
        ax.set_xticks(range(len(names)), names)
        ax.set_ylabel("µs per request (log scale, lower is better)")
        ax.set_title(f"{interface.upper()}, in-process, median of {results.rounds} rounds")
        ax.grid(axis="y", which="both", alpha=0.3)
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.005, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
