"""vial.compat.install_as_flask(): Flask's module names served by vial.

Each check runs in a fresh interpreter: the shim replaces ``flask`` in
``sys.modules``, and the real Flask is installed beside vial for cross-checks.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import typing as t
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from .test_servers import BIN, free_port, start, stop

APPS = Path(__file__).parent / "compatapps"

_INSTALL = "import vial.compat\nvial.compat.install_as_flask()\n"

FLASK_MODULE_NAMES = [
    "flask",
    "flask.app",
    "flask.blueprints",
    "flask.cli",
    "flask.config",
    "flask.ctx",
    "flask.debughelpers",
    "flask.globals",
    "flask.helpers",
    "flask.json",
    "flask.json.provider",
    "flask.json.tag",
    "flask.logging",
    "flask.sansio",
    "flask.sansio.app",
    "flask.sansio.blueprints",
    "flask.sansio.scaffold",
    "flask.sessions",
    "flask.signals",
    "flask.templating",
    "flask.testing",
    "flask.typing",
    "flask.views",
    "flask.wrappers",
]


def run_python(
    code: str, env: dict[str, str] | None = None, cwd: Path = APPS, install: bool = True
) -> str:
    """Run ``code`` (after installing the shim) in a new interpreter; return its stdout."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("VIAL_", "FLASK_"))}
    clean.update(env or {})
    source = (_INSTALL if install else "") + textwrap.dedent(code)
    result = subprocess.run(
        [sys.executable, "-c", source],
        capture_output=True,
        text=True,
        env=clean,
        cwd=cwd,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_flask_app_runs_unchanged() -> None:
    out = run_python(
        """
        from flaskapp import app

        client = app.test_client()
        r = client.get("/?name=vial")
        assert (r.status_code, r.text) == (200, "Hello vial at /"), r.text
        r = client.get("/api/items/3")
        assert r.get_json() == {"id": 3, "url": "/api/items/3"}, r.get_json()
        r = client.get("/api/items/11")
        assert (r.status_code, r.get_json()) == (404, {"error": "not found"})
        assert client.get("/missing").get_json() == {"error": "not found"}
        assert client.get("/me").text == "nobody"
        assert client.post("/login", data={"user": "ada"}).text == "ok"
        assert client.get("/me").text == "ada"
        print("ok")
        """
    )
    assert out == "ok\n"


def test_every_flask_module_imports_as_vial() -> None:
    out = run_python(
        f"""
        import importlib, sys
        import vial, vial.cli, vial.testing

        for name in {FLASK_MODULE_NAMES!r}:
            module = importlib.import_module(name)
            assert sys.modules[name] is module, name
            for attribute in module.__all__:
                assert getattr(module, attribute) is not None, (name, attribute)

        import flask
        import flask.cli
        import flask.json.tag
        import flask.testing
        from flask import json

        assert flask.Flask is vial.Vial
        assert flask.testing.FlaskClient is vial.testing.VialClient
        assert flask.testing.FlaskCliRunner is vial.testing.VialCliRunner
        assert flask.cli.FlaskGroup is vial.cli.VialGroup
        import flask.debughelpers, vial.debughelpers

        assert flask.debughelpers.DebugFilesKeyError is vial.debughelpers.DebugFilesKeyError
        assert flask.json.tag.TaggedJSONSerializer is vial.json.tag.TaggedJSONSerializer
        assert json is flask.json
        assert flask.json.provider.JSONProvider is vial.json.provider.JSONProvider
        assert flask.__version__ == "3.1.3"
        assert flask.request is vial.request and flask.session is vial.session
        print("ok")
        """
    )
    assert out == "ok\n"


def test_a_name_vial_lacks_is_an_attribute_error() -> None:
    run_python(
        """
        import flask.sansio.scaffold

        assert not hasattr(flask.sansio.scaffold, "T_route")
        import flask.cli

        try:
            flask.cli.F
        except AttributeError as e:
            assert "vial does not provide" in str(e), e
        else:
            raise AssertionError("F found")
        try:
            from flask.cli import F  # noqa: F401
        except ImportError:
            pass
        else:
            raise AssertionError("F imported")
        """
    )


def test_cli_and_session_names_are_vials() -> None:
    run_python(
        """
        import vial.cli, vial.sessions
        from flask.cli import CertParamType, SeparatedPathType, show_server_banner
        from flask.sessions import SecureCookieSessionInterface, session_json_serializer

        assert CertParamType is vial.cli.CertParamType
        assert SeparatedPathType is vial.cli.SeparatedPathType
        assert show_server_banner is vial.cli.show_server_banner
        assert session_json_serializer is vial.sessions.session_json_serializer
        assert SecureCookieSessionInterface.serializer is session_json_serializer
        """
    )


def test_request_ctx_and_app_ctx_follow_the_pushed_context() -> None:
    out = run_python(
        """
        from flask import Flask
        from flask.globals import app_ctx, request_ctx

        app = Flask(__name__)
        assert not request_ctx and not app_ctx
        with app.app_context():
            assert app_ctx and not request_ctx
            assert app_ctx.app is app
        with app.test_request_context("/x") as ctx:
            assert request_ctx and app_ctx
            assert request_ctx._get_current_object() is ctx
            assert request_ctx.request.path == "/x"
        assert not request_ctx
        print(repr(request_ctx))
        """
    )
    assert out == "<unbound vial proxy 'request_ctx'>\n"


def test_context_proxies_enter_the_current_context_again() -> None:
    out = run_python(
        """
        from flask import Flask
        from flask.globals import app_ctx, request_ctx

        app = Flask(__name__)
        app.teardown_appcontext(lambda error: print("teardown"))
        with app.test_request_context("/") as ctx:
            with app_ctx as entered, request_ctx:
                assert entered is ctx
            print("inner popped")
        """
    )
    assert out == "inner popped\nteardown\n"


def test_install_twice_is_harmless() -> None:
    run_python(
        """
        import sys
        import flask

        vial.compat.install_as_flask()
        assert sys.modules["flask"] is flask
        """
    )


def test_install_after_the_real_flask_is_imported_fails() -> None:
    out = run_python(
        """
        import flask
        import vial.compat

        try:
            vial.compat.install_as_flask()
        except RuntimeError as e:
            print(e)
        """,
        install=False,
    )
    assert "real Flask is already imported" in out


def test_flask_debug_sets_debug_under_the_shim() -> None:
    out = run_python(
        """
        from flask import Flask

        print(Flask(__name__).debug)
        """,
        env={"FLASK_DEBUG": "1", "VIAL_DEBUG": "0"},
    )
    assert out == "True\n"


def test_from_prefixed_env_reads_flask_variables() -> None:
    out = run_python(
        """
        from flask import Flask

        app = Flask(__name__)
        app.config.from_prefixed_env()
        print(app.config["LIMIT"], "OTHER" in app.config)
        """,
        env={"FLASK_LIMIT": "3", "VIAL_OTHER": "1"},
    )
    assert out == "3 False\n"


def test_flask_group_finds_the_app_from_flask_app() -> None:
    out = run_python(
        """
        from click.testing import CliRunner
        from flask.cli import FlaskGroup, cli

        for group in (cli, FlaskGroup()):
            result = CliRunner().invoke(group, ["hello"], catch_exceptions=False)
            assert result.exit_code == 0, result.output
            print(result.output, end="")
        """,
        env={"FLASK_APP": "flaskapp"},
    )
    assert out == "hello from flaskapp\nhello from flaskapp\n"


def test_flaskenv_is_loaded_under_the_shim(tmp_path: Path) -> None:
    (tmp_path / ".flaskenv").write_text("FLASK_APP=flaskapp\nFROM_FLASKENV=yes\n")
    (tmp_path / ".vialenv").write_text("FROM_VIALENV=yes\n")
    out = run_python(
        """
        import os
        from flask.cli import load_dotenv

        load_dotenv()
        print(os.environ.get("FROM_FLASKENV"), os.environ.get("FROM_VIALENV"))
        """,
        cwd=tmp_path,
    )
    assert out == "yes None\n"


def test_import_vial_does_not_import_compat() -> None:
    run_python(
        """
        import sys
        import vial

        assert "vial.compat" not in sys.modules
        assert "flask" not in sys.modules
        """,
        install=False,
    )


def test_names_match_the_real_flask() -> None:
    """Every shim name exists in the real Flask module; the root ``flask`` has all of Flask's."""
    listing = f"""
        import importlib, json
        modules = [importlib.import_module(name) for name in {FLASK_MODULE_NAMES!r}]
        names = {{
            module.__name__: sorted(n for n in dir(module) if not n.startswith("_"))
            for module in modules
        }}
        print(json.dumps(names))
        """
    real = json.loads(run_python(listing, install=False))
    shim = json.loads(run_python(listing.replace("dir(module)", "module.__all__")))
    for name, names in shim.items():
        assert set(names) <= set(real[name]), (name, set(names) - set(real[name]))
    # ``annotations`` and ``t`` are Flask's own imports (__future__, typing), not its API.
    assert set(real["flask"]) - {"annotations", "t"} <= set(shim["flask"])


def test_guide_example_runs() -> None:
    """The first example of docs/compat.md serves ``GET /`` on vial."""
    guide = (Path(__file__).parent.parent / "docs" / "compat.md").read_text(encoding="utf-8")
    example = guide.split("```python\n", 1)[1].split("```", 1)[0]
    out = run_python(
        example
        + "import vial\nassert Flask is vial.Vial\n"
        + "print(app.test_client().get('/').get_json())\n",
        install=False,
    )
    assert out == "{'hello': 'world'}\n"


# -- vial compat install: the stub Flask distribution, in a throwaway virtualenv

#: vial and its runtime dependencies, copied into the throwaway venv from this one.
_VIAL_DISTRIBUTIONS = (
    "vial-framework",
    "werkzeug",
    "jinja2",
    "markupsafe",
    "itsdangerous",
    "click",
    "blinker",
)


def _copy_installed(names: tuple[str, ...], site_packages: Path) -> None:
    """Install distributions into ``site_packages`` by copying their files from this venv.

    What pip would do, without an index: the same files (vial's editable ``.pth``
    included) and their metadata, so pip in the new venv sees them as installed.
    Scripts (outside site-packages) are left out; the tests use ``python -m vial``.
    """
    for name in names:
        dist = importlib.metadata.distribution(name)
        for file in dist.files or ():
            if file.parts[0] == "..":
                continue
            target = site_packages / file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(str(dist.locate_file(file))), target)


def _venv_run(venv: Path, *args: str, check: bool = True, **kwargs: t.Any) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIAL_", "FLASK_"))}
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    env.update(kwargs.pop("env", {}))
    command = [str(venv / "bin" / args[0]), *args[1:]]
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, **kwargs)
    if check:
        assert result.returncode == 0, (command, result.stdout, result.stderr)
    return result.stdout + result.stderr


@pytest.fixture(scope="module")
def stub_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv (no system site-packages) with vial and ``vial compat install`` run."""
    venv = tmp_path_factory.mktemp("stub") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    purelib = _venv_run(
        venv, "python", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"
    )
    _copy_installed(_VIAL_DISTRIBUTIONS, Path(purelib.strip()))
    out = _venv_run(venv, "python", "-m", "vial", "compat", "install")
    assert "Installed the stub Flask 3.1.3" in out, out
    return venv


@pytest.mark.slow
def test_stub_flask_is_vial(stub_venv: Path) -> None:
    out = _venv_run(
        stub_venv,
        "python",
        "-c",
        "import importlib.metadata, flask.cli, flask, vial\n"
        "assert flask.Flask is vial.Vial and flask.cli.FlaskGroup is vial.cli.VialGroup\n"
        "print(importlib.metadata.version('flask'), flask.__version__)",
    )
    assert out == "3.1.3 3.1.3\n"
    assert "No broken requirements found" in _venv_run(stub_venv, "python", "-m", "pip", "check")


@pytest.mark.slow
def test_stub_flask_command_line(stub_venv: Path, tmp_path: Path) -> None:
    assert "Usage: python -m flask" in _venv_run(stub_venv, "python", "-m", "flask", "--help")
    assert "A Flask app served by vial" in _venv_run(stub_venv, "flask", "--help")
    out = _venv_run(stub_venv, "flask", "routes", cwd=tmp_path, check=False)
    assert "use 'flask --app module:name', set FLASK_APP" in out
    assert "Flask 3.1.3 (vial" in _venv_run(stub_venv, "flask", "--version")
    # The console script reads FLASK_APP: the shim is active before the app is found.
    out = _venv_run(stub_venv, "flask", "hello", cwd=APPS, env={"FLASK_APP": "flaskapp"})
    assert out == "hello from flaskapp\n"


@pytest.mark.slow
def test_stub_flask_satisfies_extensions(stub_venv: Path, tmp_path: Path) -> None:
    """A package requiring Flask installs from a local folder alone: the stub is its Flask."""
    from vial.compat._stub import build_wheel

    files = {"flask_probe/__init__.py": "from flask import Flask\n"}
    build_wheel(tmp_path, "Flask-Probe", "1.0", files, requires=("Flask>=3.1",))
    pip = ("python", "-m", "pip", "install", "--no-index", "--find-links", str(tmp_path))
    _venv_run(stub_venv, *pip, "flask-probe")
    out = _venv_run(
        stub_venv,
        "python",
        "-c",
        "import flask_probe, vial\n"
        "from vial.compat._stub import installed_flask\n"
        "print(flask_probe.Flask is vial.Vial, installed_flask())",
    )
    assert out == "True stub\n"


@pytest.mark.slow
def test_stub_uninstall(stub_venv: Path) -> None:
    _venv_run(stub_venv, "python", "-m", "vial", "compat", "uninstall")
    out = _venv_run(stub_venv, "python", "-c", "import flask", check=False)
    assert "No module named 'flask'" in out
    assert not (stub_venv / "bin" / "flask").exists()
    _venv_run(stub_venv, "python", "-m", "vial", "compat", "install")
    _venv_run(stub_venv, "python", "-c", "import flask")


def test_stub_wheel_contents(tmp_path: Path) -> None:
    from vial.cli import cli

    result = CliRunner().invoke(cli, ["compat", "install", "--wheel-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (wheel,) = tmp_path.glob("*.whl")
    assert wheel.name == "flask-3.1.3-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("flask-3.1.3.dist-info/METADATA").decode()
        assert "Name: Flask\nVersion: 3.1.3\n" in metadata
        assert "Requires-Dist: vial-framework\n" in metadata
        entry_points = archive.read("flask-3.1.3.dist-info/entry_points.txt").decode()
        assert "flask = vial.compat._cli:main" in entry_points
        record = archive.read("flask-3.1.3.dist-info/RECORD").decode().splitlines()
        for line in record:
            path, digest, size = line.rsplit(",", 2)
            if path.endswith("RECORD"):
                continue
            data = archive.read(path)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert digest == "sha256=" + expected.decode()
            assert int(size) == len(data)
        assert sorted(archive.namelist()) == sorted(line.split(",")[0] for line in record)


def test_uninstall_leaves_a_real_flask_alone() -> None:
    """This venv has the real Flask (for cross-checks): uninstall refuses before running pip."""
    from vial.cli import cli

    result = CliRunner().invoke(cli, ["compat", "uninstall"])
    assert result.exit_code == 1
    assert "is the real one, not vial's stub" in result.output
    assert importlib.metadata.version("flask").startswith("3.")


# -- a Flask-style app (blueprints, templates, sqlite, sessions) served by real servers


@pytest.fixture(params=["gunicorn", "uvicorn"])
def noteboard(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Path]]:
    """The base URL of ``compatapps/noteboard`` served through the shim, and its database."""
    database = tmp_path / "notes.sqlite"
    monkeypatch.setenv("NOTEBOARD_DATABASE", str(database))
    port = free_port()
    if request.param == "gunicorn":
        command = [f"{BIN}/gunicorn", "--chdir", str(APPS), "--worker-class", "sync"]
        command += ["--workers", "1", "--bind", f"127.0.0.1:{port}", "serve_noteboard:app"]
    else:
        command = [f"{BIN}/uvicorn", "--app-dir", str(APPS), "--lifespan", "on"]
        command += ["--host", "127.0.0.1", "--port", str(port), "serve_noteboard:app"]
    with tempfile.TemporaryFile() as log:
        process = start(command, port, log)
        try:
            yield f"http://127.0.0.1:{port}", database
        finally:
            stop(process)


@pytest.mark.server
def test_flask_app_served_by_real_servers(noteboard: tuple[str, Path]) -> None:
    base_url, database = noteboard
    account = {"name": "ada", "password": "analytical"}
    with httpx.Client(base_url=base_url) as client:
        assert "No notes yet." in client.get("/").text
        rv = client.get("/write")
        assert rv.status_code == 302
        assert rv.headers["location"].startswith("/auth/login?next=")

        rv = client.post("/auth/register", data=account)
        assert (rv.status_code, rv.headers["location"]) == (302, "/auth/login")
        assert "The name ada is taken." in client.post("/auth/register", data=account).text
        rv = client.post("/auth/login", data={**account, "password": "wrong"})
        assert "Wrong name or password." in rv.text
        assert "session" not in client.cookies

        rv = client.post("/auth/login", data=account, params={"next": "/write"})
        assert (rv.status_code, rv.headers["location"]) == (302, "/write")
        assert "Signed in: ada" in client.get("/write").text
        rv = client.post("/write", data={"title": "Over HTTP", "text": "through the shim"})
        assert (rv.status_code, rv.headers["location"]) == (302, "/")
        page = client.get("/").text
        assert "Over HTTP" in page
        assert "by ada" in page
        assert client.get("/1").status_code == 200
        assert "There is no note 2." in client.get("/2").text

        assert client.get("/auth/logout").status_code == 302
        assert "Signed in" not in client.get("/").text
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT title, text FROM note").fetchall() == [
            ("Over HTTP", "through the shim")
        ]
