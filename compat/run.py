"""Run Flask's and its extensions' test suites on vial: ``python compat/run.py --help``.

Downloads the sdists of Flask and of four extensions from PyPI, unpacks them
into ``compat/.work/``, and makes one virtualenv there with vial (editable,
from this repo), the stub ``Flask`` distribution that ``vial compat install``
puts in place of the real one, the extensions at the tested versions, and the
suites' test dependencies. The real Flask is never installed: the stub's
``flask`` package activates vial's shim when first imported, which is what a
user of ``vial compat install`` gets. Each suite runs with pytest from its own
sdist root, so its own pytest settings (``filterwarnings = error``) apply.
The results are read from pytest's JUnit XML and written, as a Markdown
report, to ``compat/.work/report.md``.

Nothing of Flask or the extensions is kept in the repository: the work folder
is git-ignored.
"""

from __future__ import annotations

import argparse
import ast
import collections
import dataclasses
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import typing as t
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "compat" / ".work"
DOCS = REPO / "docs" / "compat.md"
REPORT_BEGIN = "<!-- compat report: begin (python compat/run.py --report-only --update-docs) -->"
REPORT_END = "<!-- compat report: end -->"

FLASK_VERSION = "3.1.3"


@dataclasses.dataclass(frozen=True)
class Suite:
    """One test suite: a ``tests`` folder in an sdist from PyPI."""

    key: str
    title: str
    #: The PyPI project and version whose sdist holds the suite.
    project: str
    version: str
    #: The suite's folder inside the sdist (it holds ``tests/`` and the pytest settings).
    folder: str = ""
    #: Arguments the project's own tox.ini passes to pytest.
    pytest_args: tuple[str, ...] = ()

    @property
    def is_flask(self) -> bool:
        """Flask's own suite has targets below 100%; every other suite must pass in full."""
        return self.key == "flask"


SUITES = (
    Suite("flask", f"Flask {FLASK_VERSION}", "flask", FLASK_VERSION),
    Suite("flask-sqlalchemy", "Flask-SQLAlchemy 3.1.1", "flask-sqlalchemy", "3.1.1"),
    Suite("flask-wtf", "Flask-WTF 1.3.0", "flask-wtf", "1.3.0"),
    Suite("flask-login", "Flask-Login 0.6.3", "flask-login", "0.6.3"),
    # Flask-Migrate's tox.ini runs ``pytest -p no:logging``.
    Suite(
        "flask-migrate",
        "Flask-Migrate 4.1.0",
        "flask-migrate",
        "4.1.0",
        pytest_args=("-p", "no:logging"),
    ),
    Suite(
        "tutorial",
        f"Flask {FLASK_VERSION} `examples/tutorial` (flaskr)",
        "flask",
        FLASK_VERSION,
        folder="examples/tutorial",
    ),
    Suite(
        "javascript",
        f"Flask {FLASK_VERSION} `examples/javascript`",
        "flask",
        FLASK_VERSION,
        folder="examples/javascript",
    ),
)
SUITE_KEYS = tuple(suite.key for suite in SUITES)
TUTORIAL = next(suite for suite in SUITES if suite.key == "tutorial")

#: The extensions under test (their code is what runs), then each suite's test dependencies:
#: Flask's ``tests`` group (pytest pinned to 9.0.x); Flask-SQLAlchemy's with SQLAlchemy
#: 2.0.23; Flask-WTF's ``test`` and ``test-babel`` groups; Flask-Login's
#: requirements/tests.in; Flask-Migrate's tox deps. pytest-timeout is the runner's own:
#: one hung test must not stall the run. Installed after the stub Flask, so none of them
#: pulls the real one.
TEST_REQUIREMENTS = [
    "flask-sqlalchemy==3.1.1",
    "flask-wtf==1.3.0",
    "flask-login==0.6.3",
    "flask-migrate==4.1.0",
    "pytest>=9.0,<9.1",
    "pytest-timeout",
    "asgiref",
    "greenlet",
    "python-dotenv",
    "sqlalchemy==2.0.23",
    "wtforms",
    "flask-babel",
    "flask-reuploaded",
    "semantic-version",
    "alembic",
    # compat/serve_flaskr.py serves the tutorial app with these.
    "gunicorn",
    "uvicorn",
]
#: The files of Flask's suite the issue leaves out of target (b).
EXCLUDED = ("test_cli.py", "test_json_tag.py", "test_instance_config.py")
TARGET_ALL = 90.0
TARGET_CORE = 95.0
TARGET_OTHERS = 100.0
TOP_CAUSES = 15
SERVED = WORK / "served.json"
SERVED_SERVERS = ("gunicorn", "uvicorn")


@dataclasses.dataclass
class Counts:
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0

    @property
    def run(self) -> int:
        """The tests that ran to a verdict (skipped ones excluded)."""
        return self.passed + self.failed + self.errors

    def add(self, other: Counts) -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.errors += other.errors
        self.skipped += other.skipped

    def rate(self) -> float:
        return 100.0 * self.passed / self.run if self.run else 0.0

    def cells(self) -> str:
        return f"{self.passed} | {self.failed} | {self.errors} | {self.skipped}"


@dataclasses.dataclass
class Results:
    per_file: dict[str, Counts]
    causes: collections.Counter[str]
    examples: dict[str, list[str]]
    #: Files that did not import, with the number of tests they hold (counted from their source).
    uncollected: dict[str, int]

    def totals(self, exclude: tuple[str, ...] = ()) -> Counts:
        out = Counts()
        for name, counts in self.per_file.items():
            if name not in exclude:
                out.add(counts)
        return out


def log(message: str) -> None:
    print(f"[compat] {message}", flush=True)


def run(cmd: list[str], **kwargs: object) -> None:
    log(" ".join(cmd))
    subprocess.run(cmd, check=True, **kwargs)  # type: ignore[call-overload]


def clean_env() -> dict[str, str]:
    """The environment minus anything that would point the child at another venv, path or app."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "VIAL_"))}
    for key in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"):
        env.pop(key, None)
    return env


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def find_sdist(project: str, version: str) -> Path | None:
    """The downloaded sdist of ``project==version`` (names are spelled variously)."""
    wanted = f"{_normal(project)}_{version}"
    for tarball in (WORK / "downloads").glob("*.tar.gz"):
        if _normal(tarball.name.removesuffix(".tar.gz")) == _normal(wanted):
            return tarball
    return None


def download_sdists(python: Path, suites: list[Suite]) -> dict[str, Path]:
    """``project`` -> its sdist, downloaded from PyPI unless it is there already."""
    wanted = {(suite.project, suite.version) for suite in suites}
    missing = sorted(f"{p}=={v}" for p, v in wanted if find_sdist(p, v) is None)
    if missing:
        downloads = WORK / "downloads"
        downloads.mkdir(parents=True, exist_ok=True)
        pip = [str(python), "-m", "pip", "download", "--quiet", "--no-deps"]
        run([*pip, "--no-binary", ":all:", *missing, "-d", str(downloads)], env=clean_env())
    found = {}
    for project, version in wanted:
        tarball = find_sdist(project, version)
        if tarball is None:
            raise SystemExit(f"pip download did not produce the sdist of {project}=={version}")
        found[project] = tarball
    return found


def top_folder(tarball: Path) -> Path:
    """Where the sdist unpacks: its one top-level folder, in the work folder."""
    with tarfile.open(tarball) as archive:
        return WORK / archive.getnames()[0].split("/")[0]


def unpack(tarball: Path) -> Path:
    """A fresh copy of the sdist each run, so a test that writes files cannot leak into the next."""
    root = top_folder(tarball)
    if root.exists():
        shutil.rmtree(root)
    with tarfile.open(tarball) as archive:
        archive.extractall(WORK, filter="data")
    return root


def unpacked_roots(suites: list[Suite]) -> dict[str, Path]:
    """The folders the last run unpacked, for re-reading its results."""
    roots = {}
    for suite in suites:
        tarball = find_sdist(suite.project, suite.version)
        roots[suite.project] = top_folder(tarball) if tarball else WORK
    return roots


def make_venv() -> Path:
    """The run's own virtualenv: vial (editable), the stub Flask and the test dependencies.

    Rebuilt when the requirements change; the stub is reinstalled every run, so it is the
    one this checkout of vial builds.
    """
    venv = WORK / "venv"
    python = venv / "bin" / "python"
    stamp = venv / ".compat-installed"
    wanted = json.dumps({"requirements": TEST_REQUIREMENTS, "repo": str(REPO)})
    env = clean_env()
    stub = [str(python), "-m", "vial", "compat", "install"]
    if stamp.exists() and stamp.read_text() == wanted and python.exists():
        log(f"reusing {venv.relative_to(REPO)} (delete it, or pass --fresh, to rebuild)")
        run(stub, env=env, stdout=subprocess.DEVNULL)
    else:
        if venv.exists():
            shutil.rmtree(venv)
        run([sys.executable, "-m", "venv", str(venv)], env=env)
        pip = [str(python), "-m", "pip", "install", "--quiet"]
        run([*pip, "--upgrade", "pip"], env=env)
        run([*pip, "-e", str(REPO)], env=env)
        # The stub first: the extensions then find their Flask requirement met.
        run(stub, env=env)
        run([*pip, *TEST_REQUIREMENTS], env=env)
        stamp.write_text(wanted)
    check_stub(python)
    return python


_STUB_CHECK = """
import importlib.metadata, vial
from vial.compat._stub import installed_flask
assert installed_flask() == "stub", installed_flask()
import flask
assert flask.Flask is vial.Vial
print(importlib.metadata.version("flask"))
"""


def check_stub(python: Path) -> None:
    """Stop unless ``flask`` in the venv is vial's stub: a real Flask would test nothing of vial."""
    check = subprocess.run(
        [str(python), "-c", _STUB_CHECK], capture_output=True, text=True, env=clean_env()
    )
    if check.returncode != 0 or check.stdout.strip() != FLASK_VERSION:
        raise SystemExit(
            f"flask in {python.parent.parent} is not vial's stub (the real Flask got"
            f" installed?); the run would not test vial:\n{check.stderr}"
        )


def suite_root(suite: Suite, roots: dict[str, Path]) -> Path:
    return roots[suite.project] / suite.folder


def junit_path(suite: Suite) -> Path:
    return WORK / f"junit-{suite.key}.xml"


def run_pytest(python: Path, suite: Suite, root: Path, extra: list[str]) -> None:
    env = clean_env()
    # Flask-Migrate's tests run the ``flask`` console script: the venv's, the stub's.
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    cmd = [
        str(python),
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        *suite.pytest_args,
        "-o",
        "junit_family=xunit1",
        f"--junitxml={junit_path(suite)}",
        "--timeout=60",
        "--continue-on-collection-errors",
        "-q",
        "-rN",
        "--tb=no",
        *extra,
        "tests",
    ]
    log(f"{suite.title}: (cd {root.relative_to(REPO)} && {' '.join(cmd)})")
    code = subprocess.run(cmd, cwd=root, env=env).returncode
    # 0: all passed, 1: some failed; anything else means the run itself broke.
    if code not in (0, 1):
        raise SystemExit(f"pytest exited with {code} in {suite.title}: the run did not complete")


_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
_PATH = re.compile(r"'/[^']*'")


def cause_of(message: str, text: str) -> str:
    """Exception type + first line of its message, for grouping failures.

    ``message`` is the JUnit ``message`` attribute, ``text`` the traceback; when the
    message says nothing (a collection failure), the last ``E`` line of the traceback does.
    """
    message = message.strip()
    if not message or message == "collection failure":
        lines = [line[1:].strip() for line in text.splitlines() if line.startswith("E ")]
        message = lines[-1] if lines else message
    first = message.splitlines()[0] if message else "(no message)"
    first = _PATH.sub("'…'", _ADDRESS.sub("0x…", first))
    if first.startswith("failed on setup with"):
        first = "in setup: " + first.removeprefix("failed on setup with").strip().strip('"')
    if len(first) > 160:
        first = first[:157] + "..."
    return first


def file_of(case: ET.Element) -> str:
    file = case.get("file")
    if file:
        return Path(file).name
    # Collection errors and the xunit2 format give only a dotted class name.
    for part in (case.get("classname") or "").split("."):
        if part.startswith("test_"):
            return part + ".py"
    return "(unknown)"


def _cases(decorator: ast.expr) -> int:
    """How many cases a ``@pytest.mark.parametrize(names, [...])`` decorator makes, else 1."""
    if not isinstance(decorator, ast.Call) or len(decorator.args) < 2:
        return 1
    if not ast.unparse(decorator.func).endswith("mark.parametrize"):
        return 1
    values = decorator.args[1]
    return len(values.elts) if isinstance(values, ast.List | ast.Tuple) else 1


def count_tests(source: Path) -> int:
    """The tests pytest would collect from a file that cannot be imported, read from its source.

    Test functions, and ``test_*`` methods of ``Test*`` classes, times the cases of their
    literal ``parametrize`` lists; a parametrization that is not a literal list counts once.
    """
    tree = ast.parse(source.read_text(encoding="utf-8"))
    functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            functions += [
                f
                for f in node.body
                if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                and f.name.startswith("test")
            ]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test"
        ):
            functions.append(node)
    total = 0
    for function in functions:
        cases = 1
        for decorator in function.decorator_list:
            cases *= _cases(decorator)
        total += cases
    return total


def parse(junit: Path, root: Path) -> Results:
    per_file: dict[str, Counts] = collections.defaultdict(Counts)
    causes: collections.Counter[str] = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    uncollected: dict[str, int] = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        counts = per_file[file_of(case)]
        error = case.find("error")
        if error is not None and error.get("message") == "collection failure":
            # The whole file failed to import: count each of its tests as an error.
            name = file_of(case)
            source = root / "tests" / name
            n = count_tests(source) if source.exists() else 1
            uncollected[name] = n
            counts.errors += n
            cause = cause_of("", error.text or "")
            causes[cause] += n
            examples[cause].append(f"{name} (does not import: all {n} tests)")
            continue
        failure = case.find("failure")
        if case.find("skipped") is not None:
            counts.skipped += 1
            continue
        if failure is None and error is None:
            counts.passed += 1
            continue
        if failure is not None:
            counts.failed += 1
        else:
            counts.errors += 1
        bad = failure if failure is not None else error
        assert bad is not None
        cause = cause_of(bad.get("message") or "", bad.text or "")
        causes[cause] += 1
        name = f"{file_of(case)}::{case.get('name')}"
        if len(examples[cause]) < 3:
            examples[cause].append(name)
    return Results(dict(sorted(per_file.items())), causes, examples, uncollected)


def vial_commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    status = ["git", "status", "--porcelain", "--untracked-files=no"]
    dirty = subprocess.run(status, cwd=REPO, capture_output=True, text=True).stdout.strip()
    return out.stdout.strip() + (" with uncommitted changes" if dirty else "")


def targets_met(suite: Suite, results: Results) -> bool:
    if suite.is_flask:
        return (
            results.totals().rate() >= TARGET_ALL and results.totals(EXCLUDED).rate() >= TARGET_CORE
        )
    return results.totals().rate() >= TARGET_OTHERS


def _file_rows(suite: Suite, results: Results) -> list[str]:
    rows = []
    for name, c in results.per_file.items():
        mark = " (not in b)" if suite.is_flask and name in EXCLUDED else ""
        if name in results.uncollected:
            mark += " (does not import)"
        rows.append(f"| `{name}`{mark} | {c.cells()} | {c.rate():.1f}% |")
    return rows


def _target_lines(suite: Suite, results: Results) -> list[str]:
    if not suite.is_flask:
        total = results.totals()
        met = "met" if total.rate() >= TARGET_OTHERS else "not met"
        return [
            f"| **all** | {total.cells()} | **{total.rate():.1f}%** |",
            "",
            f"Target: 100% ({met}).",
        ]
    all_, core = results.totals(), results.totals(EXCLUDED)
    return [
        f"| **(a) all** | {all_.cells()} | **{all_.rate():.1f}%** |",
        f"| **(b) all but the three** | {core.cells()} | **{core.rate():.1f}%** |",
        "",
        f"(b) leaves out {', '.join(f'`{name}`' for name in EXCLUDED)}."
        f" Targets: (a) ≥ {TARGET_ALL:.0f}% ({'met' if all_.rate() >= TARGET_ALL else 'not met'}),"
        f" (b) ≥ {TARGET_CORE:.0f}% ({'met' if core.rate() >= TARGET_CORE else 'not met'}).",
    ]


def _cause_lines(suite: Suite, results: Results) -> list[str]:
    if not results.causes:
        return []
    top = TOP_CAUSES if suite.is_flask else len(results.causes)
    lines = [
        "",
        f"Failure causes (top {min(top, len(results.causes))} of {len(results.causes)},"
        f" {sum(results.causes.values())} failing tests):",
        "",
        "| Tests | Cause (exception: first line) | Examples |",
        "|---:|---|---|",
    ]
    for cause, count in results.causes.most_common(top):
        shown = cause.replace("|", "\\|").replace("`", "'")
        examples = ", ".join(f"`{name}`" for name in results.examples[cause])
        lines.append(f"| {count} | `{shown}` | {examples} |")
    return lines


def suite_report(suite: Suite, results: Results) -> list[str]:
    lines = [
        f"### {suite.title}",
        "",
        "| Test file | Passed | Failed | Errors | Skipped | Pass rate |",
        "|---|---:|---:|---:|---:|---:|",
        *_file_rows(suite, results),
        *_target_lines(suite, results),
    ]
    lines += (
        f"`{name}` does not import under vial: its {n} tests (counted from its source,"
        " literal `parametrize` lists expanded) are counted as errors."
        for name, n in results.uncollected.items()
    )
    return [*lines, *_cause_lines(suite, results), ""]


def serve_flaskr(python: Path, root: Path) -> None:
    """Serve the tutorial app by real servers and use it (compat/serve_flaskr.py)."""
    env = clean_env()
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    cmd = [str(python), str(REPO / "compat" / "serve_flaskr.py")]
    servers = " and ".join(SERVED_SERVERS)
    log(f"flaskr under {servers}: (cd {root.relative_to(REPO)} && {' '.join(cmd)})")
    done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True)
    outcomes = {}
    for line in done.stdout.splitlines():
        outcome = json.loads(line)
        outcomes[outcome["server"]] = outcome
    if done.returncode != 0:
        log(f"compat/serve_flaskr.py exited with {done.returncode}:\n{done.stderr[-2000:]}")
    SERVED.write_text(json.dumps(outcomes))


def read_served() -> dict[str, dict[str, t.Any]]:
    """The last run's outcome of compat/serve_flaskr.py, by server (empty if it did not run)."""
    return json.loads(SERVED.read_text()) if SERVED.exists() else {}


def _served_lines(served: dict[str, dict[str, t.Any]]) -> list[str]:
    lines = [
        "### flaskr under real servers",
        "",
        "`compat/serve_flaskr.py` serves the unchanged tutorial app from the same sdist"
        " (`flask --app flaskr init-db` through the stub's console script first), then"
        " registers, logs in, writes a post and reads it back over HTTP on 127.0.0.1.",
        "",
        "| Server | Result | What was checked |",
        "|---|---|---|",
    ]
    for server in SERVED_SERVERS:
        outcome = served.get(server, {"ok": False, "detail": "did not run"})
        result = "passed" if outcome["ok"] else "**failed**"
        detail = str(outcome["detail"]).replace("|", "\\|").replace("\n", " ")
        lines.append(f"| {server} | {result} | {detail} |")
    return [*lines, ""]


def report(results: dict[Suite, Results], served: dict[str, dict[str, t.Any]] | None) -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d")
    lines = [
        f"Measured on {date} with `make compat`: vial {vial_commit()},"
        f" Python {platform.python_version()}, pytest 9.0. Pass rate = passed /"
        " (passed + failed + errors); skipped tests are left out.",
        "",
        "| Suite | Passed | Failed | Errors | Skipped | Pass rate | Target |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for suite, result in results.items():
        total = result.totals()
        target = f"≥ {TARGET_ALL:.0f}% / ≥ {TARGET_CORE:.0f}% (b)" if suite.is_flask else "100%"
        met = "met" if targets_met(suite, result) else "**not met**"
        lines.append(f"| {suite.title} | {total.cells()} | {total.rate():.1f}% | {target}, {met} |")
    lines.append("")
    for suite, result in results.items():
        lines += suite_report(suite, result)
    if served is not None:
        lines += _served_lines(served)
    return "\n".join(lines)


def update_docs(text: str) -> None:
    """Put the report between the markers of docs/compat.md."""
    page = DOCS.read_text(encoding="utf-8")
    before, begin, rest = page.partition(REPORT_BEGIN)
    _, end, after = rest.partition(REPORT_END)
    if not begin or not end:
        raise SystemExit(f"{DOCS} lacks the report markers {REPORT_BEGIN!r} ... {REPORT_END!r}")
    DOCS.write_text(f"{before}{REPORT_BEGIN}\n{text}\n{REPORT_END}{after}", encoding="utf-8")
    log(f"report spliced into {DOCS.relative_to(REPO)}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="compat/run.py",
        description="Run Flask's and its extensions' test suites against vial's Flask shim.",
    )
    parser.add_argument(
        "--fresh", action="store_true", help="delete compat/.work first (re-download, new venv)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help=f"exit 1 unless Flask's suite reaches (a) {TARGET_ALL:.0f}%% and (b)"
        f" {TARGET_CORE:.0f}%% and every other suite passes in full",
    )
    parser.add_argument(
        "--suite",
        action="append",
        choices=SUITE_KEYS,
        help="run only this suite (repeatable; default: all)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="re-read the last run's JUnit XML files instead of running the suites",
    )
    parser.add_argument(
        "--update-docs",
        action="store_true",
        help="splice the report into docs/compat.md",
    )
    parser.add_argument(
        "pytest_args", nargs="*", help="passed to pytest (after --), e.g. -- -k session"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    suites = [suite for suite in SUITES if args.suite is None or suite.key in args.suite]
    if args.report_only:
        roots = unpacked_roots(suites)
    else:
        if args.fresh and WORK.exists():
            shutil.rmtree(WORK)
        WORK.mkdir(parents=True, exist_ok=True)
        python = make_venv()
        roots = {
            project: unpack(sdist) for project, sdist in download_sdists(python, suites).items()
        }
        for suite in suites:
            run_pytest(python, suite, suite_root(suite, roots), args.pytest_args)
        if any(suite.key == "tutorial" for suite in suites):
            serve_flaskr(python, suite_root(TUTORIAL, roots))
    results = {}
    for suite in suites:
        if junit_path(suite).exists():
            results[suite] = parse(junit_path(suite), suite_root(suite, roots))
        else:
            log(f"no {junit_path(suite).relative_to(REPO)}: {suite.title} left out")
    if not results:
        raise SystemExit("no results: run without --report-only first")
    served = read_served() if any(suite.key == "tutorial" for suite in suites) else None
    text = report(results, served)
    (WORK / "report.md").write_text(text)
    print()
    print(text)
    log(f"report written to {(WORK / 'report.md').relative_to(REPO)}")
    if args.update_docs:
        update_docs(text)
    if args.check:
        failed = [
            suite.title for suite, result in results.items() if not targets_met(suite, result)
        ]
        missing = [suite.title for suite in suites if suite not in results]
        if served is not None:
            failed += [
                f"flaskr served by {s}" for s in SERVED_SERVERS if not served.get(s, {}).get("ok")
            ]
        if failed or missing:
            log(f"targets not met: {', '.join(failed + missing)}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
