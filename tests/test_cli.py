"""The ``vial`` command: app discovery, errors, built-in and custom commands, the server."""

from __future__ import annotations

import importlib.metadata
import os
import socket
import ssl
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner, Result

from vial import Blueprint, Vial, current_app
from vial.cli import (
    CertParamType,
    NoAppException,
    ScriptInfo,
    SeparatedPathType,
    VialGroup,
    cli,
    find_app_by_string,
    find_best_app,
    get_load_dotenv,
    load_dotenv,
    locate_app,
    prepare_import,
    routes_command,
    run_app,
    shell_command,
    show_server_banner,
    with_appcontext,
)

HERE = Path(__file__).parent
APPS = HERE / "cliapps"
ROOT = HERE.parent
BIN = Path(sys.executable).parent


@pytest.fixture(autouse=True)
def _isolate() -> Iterator[None]:
    """Undo what loading an app does to the process: cwd, sys.path, sys.modules, os.environ.

    The fixture apps share module names (two ``app.py``), and ``--debug``,
    ``--env-file`` and the ``vial`` group itself set environment variables.
    Not built on ``monkeypatch``: this must undo its changes too, so it is torn
    down after it.
    """
    saved_cwd = os.getcwd()
    saved_path = sys.path[:]
    saved_modules = set(sys.modules)
    saved_environ = dict(os.environ)
    for name in ("VIAL_APP", "VIAL_DEBUG", "VIAL_RUN_FROM_CLI", "VIAL_SKIP_DOTENV"):
        os.environ.pop(name, None)
    os.chdir(APPS)
    yield
    os.chdir(saved_cwd)
    sys.path[:] = saved_path
    for name in set(sys.modules) - saved_modules:
        path = getattr(sys.modules[name], "__file__", None) or ""
        if path.startswith((str(APPS), str(ROOT / "examples"))) or name in ("app", "wsgi"):
            del sys.modules[name]
    os.environ.clear()
    os.environ.update(saved_environ)


def invoke(*args: str, input: str | None = None, group: click.Group = cli) -> Result:
    """Run ``vial ARGS`` in this process, the way the console script would."""
    return CliRunner().invoke(group, list(args), input=input)


def load(import_path: str) -> Vial:
    return ScriptInfo(app_import_path=import_path).load_app()


# -- discovery


@pytest.mark.parametrize(
    ("import_path", "name"),
    [
        ("hello", "hello"),
        ("hello:app", "hello"),
        ("application", "application"),
        ("single", "single"),
        ("single:my_web_app", "single"),
        ("factory", "factory"),
        ("factory:create_app", "factory"),
        ("factory:create_app()", "factory"),
        ('factory:create_app("custom")', "custom"),
        ("factory:create_app('kw', debug=True)", "kw"),
        ("factory_needs_args:create_app('given')", "given"),
        ("makeapp", "makeapp"),
        ("hello.py", "hello"),
        ("hello.py:app", "hello"),
        ("pkg.web", "pkg.web"),
        ("pkg/web.py", "pkg.web"),
        ("pkg/web.py:app", "pkg.web"),
    ],
)
def test_discovery_forms(import_path: str, name: str) -> None:
    assert load(import_path).name == name


def test_discovery_from_another_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    assert load("tests/cliapps/hello.py").name == "hello"
    assert sys.path[0] == str(APPS)


def test_prepare_import_finds_the_package_root() -> None:
    assert prepare_import(str(APPS / "pkg" / "web.py")) == "pkg.web"
    assert prepare_import(str(APPS / "pkg" / "__init__.py")) == "pkg"
    assert prepare_import("hello") == "hello"
    assert sys.path[0] == str(APPS)


def test_vial_app_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_APP", "hello")
    result = invoke("whoami")
    assert result.exit_code == 0, result.output
    assert result.stdout == "hello\n"


def test_app_option_wins_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_APP", "no_app")
    result = invoke("-A", "hello", "whoami", "--shout")
    assert result.stdout == "HELLO\n"


@pytest.mark.parametrize(
    ("folder", "name"),
    [("with_wsgi", "from_wsgi_py"), ("with_app", "from_app_py")],
)
def test_default_files(monkeypatch: pytest.MonkeyPatch, folder: str, name: str) -> None:
    monkeypatch.chdir(APPS / folder)
    assert ScriptInfo().load_app().name == name


def test_find_best_app_and_find_app_by_string() -> None:
    module = types.ModuleType("made_up")
    module.something = Vial("made_up")  # type: ignore[attr-defined]
    assert find_best_app(module) is module.something  # type: ignore[attr-defined]
    assert find_app_by_string(module, "something") is module.something  # type: ignore[attr-defined]
    assert locate_app("no_such_module_xyz", None, raise_if_not_found=False) is None


def test_script_info_create_app_loads_once() -> None:
    calls = []

    def create() -> Vial:
        calls.append(1)
        return Vial("created")

    info = ScriptInfo(create_app=create)
    assert info.load_app() is info.load_app()
    assert len(calls) == 1


def test_debug_flag_follows_option_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert invoke("-A", "env_app", "debug").stdout == "debug=False\n"
    assert invoke("-A", "env_app", "--debug", "debug").stdout == "debug=True\n"
    assert os.environ["VIAL_DEBUG"] == "1"
    monkeypatch.setenv("VIAL_DEBUG", "1")
    assert invoke("-A", "env_app", "debug").stdout == "debug=True\n"
    assert invoke("-A", "env_app", "--no-debug", "debug").stdout == "debug=False\n"


# -- errors: one line that says what was tried, a non-zero exit, no traceback


@pytest.mark.parametrize(
    ("import_path", "message"),
    [
        ("no_such_module_xyz", "Could not import 'no_such_module_xyz': there is no such module"),
        ("pkg.no_such_sub", "Could not import 'pkg.no_such_sub'"),
        ("missing.py", "There is no file 'missing.py'"),
        (
            "broken_import",
            "While importing 'broken_import', an ImportError was raised: ModuleNotFoundError:"
            " No module named 'vial_missing_dependency_xyz' (broken_import.py:3)",
        ),
        ("raises_on_import", "While importing 'raises_on_import', KeyError: 'SECRET'"),
        (
            "factory_raises",
            "The factory 'factory_raises:create_app()' raised RuntimeError:"
            " the database is not configured (factory_raises.py:8)",
        ),
        ("factory_typeerror", "The factory 'factory_typeerror:create_app()' raised TypeError"),
        ("factory_needs_args", "Could not call the factory 'factory_needs_args:create_app()'"),
        ("factory_needs_args:create_app(1, 2)", "takes 1 positional argument but 2 were given"),
        ("no_app", "Found no vial app in module 'no_app'"),
        ("several", "Found 2 vial apps in module 'several'"),
        ("not_an_app", "The factory 'not_an_app:create_app()' returned str, not a vial app."),
        ("not_an_app:app", "'not_an_app:app' is a str, not a vial app."),
        ("hello:nope", "Module 'hello' has no attribute 'nope'."),
        ("hello:app()", "'hello:app' is not a function"),
        ("hello:create(", "Could not parse 'create('"),
        ("hello:a.b", "Could not parse 'a.b'"),
        ("factory:create_app(name)", "must be Python literals"),
    ],
)
def test_discovery_errors(import_path: str, message: str) -> None:
    with pytest.raises(NoAppException) as info:
        load(import_path)
    assert message in info.value.message

    result = invoke("--app", import_path, "routes")
    assert result.exit_code != 0
    assert result.stderr.startswith("Error: ")
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert "Usage:" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_no_app_found(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("routes")
    assert result.exit_code == 2
    assert "Could not find a vial app: use 'vial --app module:name', set VIAL_APP" in result.stderr


def test_unknown_command_reports_the_app_error() -> None:
    result = invoke("--app", "no_app", "whoami")
    assert result.exit_code == 2
    assert "Found no vial app in module 'no_app'" in result.stderr
    assert "No such command 'whoami'" in result.stderr


def test_no_app_exception_is_a_usage_error() -> None:
    assert issubclass(NoAppException, click.UsageError)


# -- help and version


def test_help_lists_the_app_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_APP", "hello")
    result = invoke("--help")
    assert result.exit_code == 0
    for name in ("run", "shell", "routes", "whoami"):
        assert f"  {name}" in result.stdout


def test_help_without_an_app_still_lists_built_in_commands(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke()
    assert "  run" in result.output
    assert "Could not find a vial app" in result.stderr


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert "vial 0.1.0" in result.stdout
    assert "Werkzeug" in result.stdout


def test_python_dash_m_vial() -> None:
    rv = subprocess.run(
        [sys.executable, "-m", "vial", "--app", "hello", "whoami"],
        cwd=APPS,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert rv.returncode == 0, rv.stderr
    assert rv.stdout == "hello\n"


# -- custom commands


def test_custom_command_runs_in_app_context() -> None:
    app = Vial("custom")

    @app.cli.command()
    @click.argument("who")
    def hello(who: str) -> None:
        click.echo(f"{current_app.name} greets {who}")

    @app.cli.command(with_appcontext=False)
    def bare() -> None:
        from vial import has_app_context

        click.echo(f"context={has_app_context()}")

    runner = app.test_cli_runner()
    result = runner.invoke(args=["hello", "bob"])
    assert result.exit_code == 0, result.output
    assert result.output == "custom greets bob\n"
    assert runner.invoke(args=["bare"]).output == "context=False\n"


def test_custom_command_through_the_vial_group() -> None:
    result = invoke("--app", "hello", "whoami", "--shout")
    assert result.exit_code == 0, result.output
    assert result.stdout == "HELLO\n"


def test_app_cli_group() -> None:
    app = Vial("grouped")

    @app.cli.group()
    def db() -> None:
        """Database commands."""

    @db.command()
    def init() -> None:
        click.echo(f"init {current_app.name}")

    assert app.test_cli_runner().invoke(args=["db", "init"]).output == "init grouped\n"


def test_with_appcontext_on_a_plain_command() -> None:
    app = Vial("plain")

    @click.command()
    @with_appcontext
    def report() -> None:
        click.echo(current_app.name)

    result = CliRunner().invoke(report, obj=ScriptInfo(create_app=lambda: app))
    assert result.output == "plain\n"


def test_blueprint_cli_groups() -> None:
    result = invoke("--app", "blueprint_cli", "users", "create", "ann")
    assert result.exit_code == 0, result.output
    assert result.stdout == "created ann in blueprint_cli\n"
    result = invoke("--app", "blueprint_cli", "cleanup")
    assert result.stdout == "cleaned blueprint_cli\n"


def test_blueprint_cli_group_renamed_at_registration() -> None:
    bp = Blueprint("reports", __name__)

    @bp.cli.command()
    def weekly() -> None:
        click.echo(f"weekly for {current_app.name}")

    app = Vial("bp_app")
    app.register_blueprint(bp, cli_group="stats")
    assert app.test_cli_runner().invoke(args=["stats", "weekly"]).output == "weekly for bp_app\n"


def test_entry_point_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    sys.path.insert(0, str(APPS))
    points = [
        importlib.metadata.EntryPoint("plugin", "plugin_commands:plugin", "vial.commands"),
        importlib.metadata.EntryPoint("broken", "no_such_plugin_xyz:command", "vial.commands"),
    ]

    def entry_points(**kwargs: str) -> list[importlib.metadata.EntryPoint]:
        assert kwargs == {"group": "vial.commands"}
        return points

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    # The plugin works even when no app can be found.
    result = invoke("--app", "no_app", "plugin", group=VialGroup(name="vial"))
    assert result.exit_code == 0, result.output
    assert result.stdout == "plugin ran\n"
    assert "skipped the 'broken' command" in result.stderr


# -- dotenv files


@pytest.fixture
def env_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    (tmp_path / ".vialenv").write_text("FROM_VIALENV=vialenv\nSHARED=vialenv\n")
    (tmp_path / ".env").write_text("FROM_DOTENV=dotenv\nSHARED=dotenv\nVIAL_APP=env_app\n")
    (tmp_path / "custom.env").write_text("SHARED=custom\nFROM_CUSTOM=custom\n")
    monkeypatch.chdir(tmp_path)
    sys.path.insert(0, str(APPS))
    for name in ("FROM_VIALENV", "FROM_DOTENV", "FROM_CUSTOM", "SHARED", "PRESET"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_dotenv_files_are_loaded(env_folder: Path) -> None:
    result = invoke("env", "FROM_VIALENV", "FROM_DOTENV", "SHARED")
    assert result.exit_code == 0, result.output
    assert result.stdout == "FROM_VIALENV=vialenv\nFROM_DOTENV=dotenv\nSHARED=dotenv\n"


def test_env_file_option_wins_over_defaults(env_folder: Path) -> None:
    result = invoke("-e", "custom.env", "env", "SHARED", "FROM_CUSTOM", "FROM_VIALENV")
    assert result.stdout == "SHARED=custom\nFROM_CUSTOM=custom\nFROM_VIALENV=vialenv\n"


def test_environment_wins_over_env_files(env_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHARED", "environment")
    result = invoke("--env-file", "custom.env", "env", "SHARED")
    assert result.stdout == "SHARED=environment\n"


def test_skip_dotenv(env_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIAL_SKIP_DOTENV", "1")
    assert get_load_dotenv() is False
    result = invoke("-A", "env_app", "-e", "custom.env", "env", "FROM_DOTENV", "FROM_CUSTOM")
    assert result.stdout == "FROM_DOTENV=<unset>\nFROM_CUSTOM=custom\n"


def test_env_file_must_exist(env_folder: Path) -> None:
    result = invoke("-e", "nope.env", "routes")
    assert result.exit_code == 2
    assert "'nope.env' does not exist" in result.output


def test_load_dotenv_function(env_folder: Path) -> None:
    assert load_dotenv("custom.env", load_defaults=False) is True
    assert os.environ["SHARED"] == "custom"
    assert "FROM_DOTENV" not in os.environ
    assert load_dotenv("missing.env", load_defaults=False) is False


# -- routes


def test_routes_table() -> None:
    result = invoke("--app", "routes_app", "routes")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "Endpoint   Methods    Subdomain  Rule",
        "---------  ---------  ---------  ----------",
        "alpha      GET, POST             /zeta",
        "middle     GET        api        /middle",
        "shop.cart  PUT                   /shop/cart",
        "zulu       DELETE                /alpha",
    ]


def endpoints(*args: str) -> list[str]:
    result = invoke("--app", "routes_app", "routes", *args)
    assert result.exit_code == 0, result.output
    return [line.split()[0] for line in result.stdout.splitlines()[2:]]


def test_routes_sorting() -> None:
    assert endpoints("--sort", "endpoint") == ["alpha", "middle", "shop.cart", "zulu"]
    assert endpoints("--sort", "rule") == ["zulu", "middle", "shop.cart", "alpha"]
    assert endpoints("-s", "methods") == ["zulu", "middle", "alpha", "shop.cart"]
    assert endpoints("-s", "domain") == ["zulu", "shop.cart", "alpha", "middle"]
    assert endpoints("-s", "match") == ["alpha", "zulu", "middle", "shop.cart"]


def test_routes_all_methods() -> None:
    lines = invoke("--app", "routes_app", "routes", "--all-methods").stdout.splitlines()
    assert "GET, HEAD, OPTIONS, POST" in lines[2]
    assert "DELETE, OPTIONS" in lines[-1]


def test_routes_without_domains_and_without_routes() -> None:
    app = Vial("plain", static_folder=None)
    runner = app.test_cli_runner()
    assert runner.invoke(routes_command).output == "No routes were registered.\n"

    @app.route("/")
    def index() -> str:
        return ""

    assert runner.invoke(routes_command).output.splitlines() == [
        "Endpoint  Methods  Rule",
        "--------  -------  ----",
        "index     GET      /",
    ]


# -- shell


def test_shell_with_the_python_console() -> None:
    result = invoke("--app", "hello", "shell", "-i", "python", input="print(app.name, answer)\n")
    assert result.exit_code == 0, result.output
    assert "hello 42\n" in result.stdout
    assert "App: hello" in result.stderr


def test_shell_namespace_has_g_and_startup_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    startup = tmp_path / "startup.py"
    startup.write_text("from_startup = 'yes'\n")
    monkeypatch.setenv("PYTHONSTARTUP", str(startup))
    app = Vial("shelled")
    result = app.test_cli_runner().invoke(
        shell_command,
        ["--interface", "python"],
        input="g.x = 1\nprint(g.x, from_startup, app.name)\n",
    )
    assert result.exit_code == 0, result.output
    assert "1 yes shelled\n" in result.stdout


def test_shell_missing_interface() -> None:
    try:
        import IPython  # noqa: F401
    except ImportError:
        result = invoke("--app", "hello", "shell", "-i", "ipython")
        assert result.exit_code == 2
        assert "ipython is not installed" in result.output
    else:  # pragma: no cover
        pytest.skip("IPython is installed")


# -- run


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """Record run_simple's arguments instead of serving."""
    calls: list[dict[str, object]] = []

    def run_simple(host: str, port: int, app: object, **options: object) -> None:
        calls.append({"host": host, "port": port, "app": app, **options})

    monkeypatch.setattr("werkzeug.serving.run_simple", run_simple)
    return calls


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_options(served: list[dict[str, object]]) -> None:
    port = free_port()
    result = invoke("--app", "hello", "run", "--port", str(port), "--without-threads")
    assert result.exit_code == 0, result.output
    assert " * Serving vial app 'hello'" in result.stdout
    assert " * Debug mode: off" in result.stdout
    (call,) = served
    assert isinstance(call["app"], Vial)
    assert call["host"] == "127.0.0.1"
    assert call["port"] == port
    assert call["use_reloader"] is False
    assert call["use_debugger"] is False
    assert call["threaded"] is False
    assert call["ssl_context"] is None


def test_run_debug_turns_on_reloader_and_debugger(served: list[dict[str, object]]) -> None:
    port = str(free_port())
    assert invoke("--app", "hello", "run", "--debug", "--port", port).exit_code == 0
    assert invoke("--app", "hello", "--debug", "run", "--no-reload", "--port", port).exit_code == 0
    assert [(c["use_reloader"], c["use_debugger"]) for c in served] == [(True, True), (False, True)]


def test_run_from_environment_variables(
    served: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    monkeypatch.setenv("VIAL_RUN_PORT", str(port))
    monkeypatch.setenv("VIAL_RUN_EXTRA_FILES", os.pathsep.join(["a.cfg", "b.cfg"]))
    assert invoke("--app", "hello", "run").exit_code == 0
    assert served[0]["port"] == port
    assert served[0]["extra_files"] == ["a.cfg", "b.cfg"]


def test_run_on_all_interfaces_warns(served: list[dict[str, object]]) -> None:
    result = invoke("--app", "hello", "run", "--host", "0.0.0.0", "--port", str(free_port()))
    assert result.exit_code == 0, result.output
    assert "reachable from the network" in result.stderr
    assert served[0]["host"] == "0.0.0.0"


def test_run_port_in_use() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = invoke("--app", "hello", "run", "--port", str(port))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: Port {port} on 127.0.0.1 is in use by another program:"
        " stop that program or choose another port with --port."
    ]


def test_run_key_needs_cert(tmp_path: Path) -> None:
    key = tmp_path / "server.key"
    key.write_text("")
    result = invoke("--app", "hello", "run", "--key", str(key))
    assert result.exit_code == 2
    assert "only used with a certificate file" in result.output
    result = invoke("--app", "hello", "run", "--cert", str(key))
    assert result.exit_code == 2
    assert "required with a certificate file" in result.output


def test_run_adhoc_cert_needs_cryptography(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)  # not installed
    result = invoke("--app", "hello", "run", "--cert", "adhoc")
    assert result.exit_code == 2
    assert "an 'adhoc' certificate needs the cryptography package" in result.output


def test_run_adhoc_cert_accepted_with_cryptography(
    served: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", types.ModuleType("cryptography"))
    result = invoke("--app", "hello", "run", "--port", str(free_port()), "--cert", "adhoc")
    assert result.exit_code == 0, result.output
    assert served[0]["ssl_context"] == "adhoc"


def test_run_cert_needs_ssl(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "ssl", None)  # a Python built without ssl
    result = invoke("--app", "hello", "run", "--cert", "adhoc")
    assert result.exit_code == 2
    assert "needs a Python built with the ssl module" in result.output


def test_run_cert_and_key(served: list[dict[str, object]], tmp_path: Path) -> None:
    cert, key = tmp_path / "server.crt", tmp_path / "server.key"
    cert.write_text("")
    key.write_text("")
    port = str(free_port())
    result = invoke("--app", "hello", "run", "--port", port, "--cert", str(cert), "--key", str(key))
    assert result.exit_code == 0, result.output
    assert served[0]["ssl_context"] == (str(cert), str(key))


def test_cert_param_type_takes_a_file(tmp_path: Path) -> None:
    cert = tmp_path / "server.crt"
    cert.write_text("")
    assert CertParamType().name == "path"
    assert CertParamType()(str(cert)) == str(cert.resolve())


def test_cert_param_type_adhoc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "cryptography", None)  # not installed
    with pytest.raises(click.BadParameter, match="needs the cryptography package"):
        CertParamType()("adhoc")
    monkeypatch.setitem(sys.modules, "cryptography", types.ModuleType("cryptography"))
    assert CertParamType()("AdHoc") == "adhoc"


def test_cert_param_type_imports_an_ssl_context(monkeypatch: pytest.MonkeyPatch) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    module = types.SimpleNamespace(context=context, not_a_context="text")
    monkeypatch.setitem(sys.modules, "tls_settings", module)
    assert CertParamType()("tls_settings:context") is context
    with pytest.raises(click.BadParameter, match="not a file, 'adhoc', or the import path"):
        CertParamType()("tls_settings:not_a_context")


def test_cert_param_type_refuses_anything_else() -> None:
    with pytest.raises(click.BadParameter, match=r"'no-such-file\.pem' is not a file"):
        CertParamType()("no-such-file.pem")


def test_separated_path_type(tmp_path: Path) -> None:
    first, second = tmp_path / "a.cfg", tmp_path / "b.cfg"
    first.write_text("")
    value = os.pathsep.join([str(first), "", str(second)])
    assert SeparatedPathType().convert(value, None, None) == [str(first), str(second)]
    assert SeparatedPathType().convert(["x", "y"], None, None) == ["x", "y"]  # converted
    with pytest.raises(click.BadParameter, match=r"b\.cfg"):
        SeparatedPathType(exists=True).convert(value, None, None)


def test_run_exclude_patterns(served: list[dict[str, object]]) -> None:
    patterns = os.pathsep.join(["*.tmp", "cache/*"])
    port = str(free_port())
    result = invoke("--app", "hello", "run", "--port", port, "--exclude-patterns", patterns)
    assert result.exit_code == 0, result.output
    assert served[0]["exclude_patterns"] == ["*.tmp", "cache/*"]


def test_show_server_banner(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    show_server_banner(True, "hello:app")
    show_server_banner(False, None)
    assert capsys.readouterr().out == (
        " * Serving vial app 'hello:app'\n * Debug mode: on\n * Debug mode: off\n"
    )
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")  # the reloader's child process
    show_server_banner(True, "hello:app")
    assert capsys.readouterr().out == ""


def test_app_run_is_ignored_inside_the_command(served: list[dict[str, object]]) -> None:
    result = invoke("--app", "calls_run", "routes")
    assert result.exit_code == 0, result.output
    assert "Ignoring app.run()" in result.stderr
    assert served == []


def test_app_run(served: list[dict[str, object]], monkeypatch: pytest.MonkeyPatch) -> None:
    app = Vial("direct")
    app.run(port=0, load_dotenv=False)
    monkeypatch.setenv("VIAL_RUN_HOST", "localhost")
    monkeypatch.setenv("VIAL_RUN_PORT", "0")
    app.run(debug=True, use_reloader=False, load_dotenv=False)
    assert [(c["host"], c["port"]) for c in served] == [("127.0.0.1", 0), ("localhost", 0)]
    assert served[0]["use_debugger"] is False
    assert (served[1]["use_reloader"], served[1]["use_debugger"]) == (False, True)
    assert app.debug is True


def test_app_run_uses_server_name(served: list[dict[str, object]]) -> None:
    app = Vial("named")
    app.config["SERVER_NAME"] = "localhost:0"
    run_app(app, load_dotenv=False)
    assert (served[0]["host"], served[0]["port"]) == ("localhost", 0)


def test_app_run_port_in_use() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(SystemExit) as info:
            Vial("busy").run(port=sock.getsockname()[1], load_dotenv=False)
    assert info.value.code == 1


def stop(process: subprocess.Popen[bytes]) -> str:
    """Stop ``process`` by its PID (terminate, then kill) and return what it printed."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    assert process.stdout is not None
    return process.stdout.read().decode()


@pytest.mark.server
def test_vial_run_serves_the_demo() -> None:
    port = free_port()
    command = [str(BIN / "vial"), "--app", "examples/demo/app.py", "run"]
    with subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as process:
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 20
            while True:
                if process.poll() is not None:
                    pytest.fail(f"vial run exited with {process.returncode}:\n{stop(process)}")
                try:
                    home = httpx.get(f"{base}/", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        pytest.fail(f"vial run did not answer within 20s:\n{stop(process)}")
                    time.sleep(0.1)
            bob = httpx.get(f"{base}/home/bob/", timeout=5)
            tagged = httpx.get(f"{base}/home/<script>/", timeout=5)
            now = httpx.get(f"{base}/api/time", timeout=5)
            missing = httpx.get(f"{base}/nowhere", timeout=5)
        finally:
            output = stop(process)

    assert home.status_code == 200, output
    assert "Hello from vial!" in home.text
    assert bob.status_code == 200
    assert "Hello to Home bob!" in bob.text
    assert "Hello to Home &lt;script&gt;!" in tagged.text
    assert now.json()["utc"].endswith("+00:00")
    assert missing.status_code == 404
    assert "Not found" in missing.text
    assert f"Running on http://127.0.0.1:{port}" in output
    assert '"GET /home/bob/ HTTP/1.1" 200' in output


def test_demo_greet_command() -> None:
    result = invoke("--app", str(ROOT / "examples" / "demo" / "app.py"), "greet", "Ann")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Hello, Ann! (from the 'app' app)\n"


def test_custom_script_from_the_docs() -> None:
    """The "Your own vial-like command" example in docs/cli.md."""

    def create_app() -> Vial:
        app = Vial("shop")

        @app.cli.command()
        def hello() -> None:
            click.echo(f"hello from {current_app.name}")

        return app

    @click.group(cls=VialGroup, create_app=create_app)
    def script() -> None:
        """Management script for the shop."""

    result = invoke("hello", group=script)
    assert result.exit_code == 0, result.output
    assert result.stdout == "hello from shop\n"
    assert "  routes" in invoke("--help", group=script).stdout
