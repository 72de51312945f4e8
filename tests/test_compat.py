"""vial.compat.install_as_flask(): Flask's module names served by vial.

Each check runs in a fresh interpreter: the shim replaces ``flask`` in
``sys.modules``, and the real Flask is installed beside vial for cross-checks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

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
        import flask.debughelpers

        assert not hasattr(flask.debughelpers, "DebugFilesKeyError")
        import flask.cli

        try:
            flask.cli.show_server_banner
        except AttributeError as e:
            assert "vial does not provide" in str(e), e
        else:
            raise AssertionError("show_server_banner found")
        try:
            from flask.cli import show_server_banner  # noqa: F401
        except ImportError:
            pass
        else:
            raise AssertionError("show_server_banner imported")
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
