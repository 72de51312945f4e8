"""The ``vial`` command: the ``run``, ``shell`` and ``routes`` commands and the group.

``vial --app hello run`` imports ``hello``, finds the app in it (see
:func:`find_best_app`, in ``vial._discovery``, re-exported here) and serves
it with Werkzeug's development server.
Commands registered with ``@app.cli.command()`` run inside an app context;
packages add commands through the ``vial.commands`` entry-point group.
"""

from __future__ import annotations

import errno
import importlib
import importlib.metadata
import os
import platform
import re
import socket
import sys
import traceback
import typing as t
from functools import update_wrapper

import click
from click.core import ParameterSource
from werkzeug.serving import is_running_from_reloader

from . import _env
from ._discovery import (
    NoAppException,
    _describe,
    find_app_by_string,
    find_best_app,
    get_load_dotenv,
    load_dotenv,
    locate_app,
    prepare_import,
)
from .app import Vial, _get_debug_flag
from .compat._stub import compat_group

__all__ = [
    "AppGroup",
    "CertParamType",
    "NoAppException",
    "ScriptInfo",
    "SeparatedPathType",
    "VialGroup",
    "cli",
    "find_app_by_string",
    "find_best_app",
    "get_load_dotenv",
    "get_version",
    "load_dotenv",
    "locate_app",
    "main",
    "pass_script_info",
    "prepare_import",
    "run_app",
    "show_server_banner",
    "with_appcontext",
]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

#: Hosts that make the development server reachable from other machines.
_ALL_INTERFACES = frozenset({"0.0.0.0", "::", ""})


# run_app's ``load_dotenv`` argument hides the function.
_load_dotenv = load_dotenv


class ScriptInfo:
    """Finds and loads the app for the command line.

    ``create_app`` (a callable returning the app) wins over
    ``app_import_path`` (an ``--app`` value); without either, ``wsgi.py`` or
    ``app.py`` in the current folder is tried. ``set_debug_flag`` makes the
    loaded app's ``debug`` follow ``VIAL_DEBUG``.
    """

    def __init__(
        self,
        app_import_path: str | None = None,
        create_app: t.Callable[..., Vial] | None = None,
        set_debug_flag: bool = True,
        load_dotenv_defaults: bool = True,
    ) -> None:
        self.app_import_path = app_import_path
        self.create_app = create_app
        self.set_debug_flag = set_debug_flag
        #: Whether ``.env`` and ``.vialenv`` are loaded (the group does it, not this object).
        self.load_dotenv_defaults = get_load_dotenv(load_dotenv_defaults)
        self.data: dict[t.Any, t.Any] = {}
        self._loaded_app: Vial | None = None

    def load_app(self) -> Vial:
        """Load (once) and return the app.

        Raises:
            NoAppException: no app could be found or loaded.
        """
        if self._loaded_app is not None:
            return self._loaded_app

        app: Vial | None = None
        if self.create_app is not None:
            app = self.create_app()
        elif self.app_import_path:
            # Split at the first colon not followed by a slash (``C:\app.py`` keeps its drive).
            path, *name = re.split(r":(?![\\/])", self.app_import_path, maxsplit=1)
            if path.endswith(".py") and not os.path.isfile(path):
                raise NoAppException(f"There is no file '{path}' (in {os.getcwd()}).")
            app = locate_app(prepare_import(path), name[0] if name else None)
        else:
            for filename in ("wsgi.py", "app.py"):
                if os.path.isfile(filename):
                    app = locate_app(prepare_import(filename), None, raise_if_not_found=False)
                    if app is not None:
                        break

        if app is None:
            raise NoAppException(
                f"Could not find a vial app: use '{_env.PREFIX.lower()} --app module:name',"
                f" set {_env.env_name('APP')},"
                f" or put a 'wsgi.py' or 'app.py' in the current folder ({os.getcwd()})."
            )
        if self.set_debug_flag:
            app.debug = _get_debug_flag()
        self._loaded_app = app
        return app


pass_script_info = click.make_pass_decorator(ScriptInfo, ensure=True)


def with_appcontext(f: F) -> F:
    """Run the decorated command inside the app's application context.

    Commands on ``app.cli`` and ``blueprint.cli`` get one without it.
    """

    @click.pass_context
    def decorator(ctx: click.Context, /, *args: t.Any, **kwargs: t.Any) -> t.Any:
        from .ctx import has_app_context

        if not has_app_context():
            app = ctx.ensure_object(ScriptInfo).load_app()
            ctx.with_resource(app.app_context())
        return ctx.invoke(f, *args, **kwargs)

    return t.cast(F, update_wrapper(decorator, f))


class AppGroup(click.Group):
    """A click group whose commands run inside an app context by default."""

    def command(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like ``click.Group.command``; ``with_appcontext=False`` opts out."""
        wrap_for_ctx = kwargs.pop("with_appcontext", True)

        def decorator(f: t.Callable[..., t.Any]) -> click.Command:
            if wrap_for_ctx:
                f = with_appcontext(f)
            return super(AppGroup, self).command(*args, **kwargs)(f)  # type: ignore[no-any-return]

        return decorator

    def group(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        """Like ``click.Group.group``, creating an :class:`AppGroup`."""
        kwargs.setdefault("cls", AppGroup)
        return super().group(*args, **kwargs)


# -- the group's options; eager, so the app can be loaded for --help


def _set_app(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value:
        ctx.ensure_object(ScriptInfo).app_import_path = value
    return value


def _set_debug(ctx: click.Context, param: click.Parameter, value: bool | None) -> bool | None:
    source = ctx.get_parameter_source(param.name or "")
    if source is None or source in (ParameterSource.DEFAULT, ParameterSource.DEFAULT_MAP):
        return None
    # An environment variable, not ScriptInfo: a factory can read it while it builds the app.
    os.environ[_env.env_name("DEBUG")] = "1" if value else "0"
    return value


def _load_env_file(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        try:
            import dotenv  # noqa: F401
        except ImportError:
            raise click.BadParameter(
                "install python-dotenv to load an env file.", ctx=ctx, param=param
            ) from None
    info = ctx.ensure_object(ScriptInfo)
    if value is not None or info.load_dotenv_defaults:
        load_dotenv(value, load_defaults=info.load_dotenv_defaults)
    return value


def get_version(ctx: click.Context, param: click.Parameter | None, value: bool) -> None:
    """The ``--version`` callback: print the Python, vial and Werkzeug versions, then exit."""
    if not value or ctx.resilient_parsing:
        return
    from . import __version__

    if _env.PREFIX == "FLASK":
        framework = f"Flask 3.1.3 (vial {__version__})"
    else:
        framework = f"vial {__version__}"
    click.echo(
        f"Python {platform.python_version()}\n{framework}\n"
        f"Werkzeug {importlib.metadata.version('werkzeug')}",
        color=ctx.color,
    )
    ctx.exit()


_env_file_option = click.Option(
    ["-e", "--env-file"],
    type=click.Path(exists=True, dir_okay=False),
    help="Load environment variables from this file; it wins over .env and .vialenv,"
    " variables already set win over all. Needs python-dotenv.",
    is_eager=True,
    expose_value=False,
    callback=_load_env_file,
)
_app_option = click.Option(
    ["-A", "--app"],
    metavar="IMPORT",
    help="The app to load: 'module:name', where module is a dotted import or a .py file"
    " path, and name is optional ('app', 'application', 'create_app' and 'make_app' are"
    " found), or a call such as 'create_app(\"dev\")'.",
    is_eager=True,
    expose_value=False,
    callback=_set_app,
)
_debug_option = click.Option(
    ["--debug/--no-debug"],
    help="Turn debug mode on or off (reloader, debugger, detailed errors).",
    expose_value=False,
    callback=_set_debug,
)
_version_option = click.Option(
    ["--version"],
    help="Show the Python, vial and Werkzeug versions.",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=get_version,
)


class VialGroup(AppGroup):
    """The ``vial`` group: ``--app``, ``--env-file`` and ``--debug``, the built-in
    commands, the ``vial.commands`` entry points, and the app's own commands.

    Args:
        add_default_commands: add ``run``, ``shell`` and ``routes``.
        create_app: a callable returning the app, instead of discovering it.
        add_version_option: add ``--version``.
        load_dotenv: load ``.env`` and ``.vialenv`` before anything else.
        set_debug_flag: set the app's ``debug`` from ``VIAL_DEBUG``.
        extra: passed to :class:`click.Group`.
    """

    def __init__(
        self,
        add_default_commands: bool = True,
        create_app: t.Callable[..., Vial] | None = None,
        add_version_option: bool = True,
        load_dotenv: bool = True,
        set_debug_flag: bool = True,
        **extra: t.Any,
    ) -> None:
        params: list[click.Parameter] = list(extra.pop("params", None) or ())
        # Options, not a group callback, so a custom group keeps its own callback.
        # --env-file goes first: the other options may come from the variables it sets.
        params.extend((_env_file_option, _app_option, _debug_option))
        if add_version_option:
            params.append(_version_option)
        extra.setdefault("context_settings", {}).setdefault("auto_envvar_prefix", _env.PREFIX)
        super().__init__(params=params, **extra)
        self.create_app = create_app
        self.load_dotenv = load_dotenv
        self.set_debug_flag = set_debug_flag
        if add_default_commands:
            self.add_command(run_command)
            self.add_command(shell_command)
            self.add_command(routes_command)
        self._loaded_plugin_commands = False

    def _load_plugin_commands(self) -> None:
        if self._loaded_plugin_commands:
            return
        self._loaded_plugin_commands = True
        for ep in importlib.metadata.entry_points(group="vial.commands"):
            try:
                command = ep.load()
            except Exception as e:
                click.secho(
                    f"Warning: skipped the '{ep.name}' command ({ep.value}): {_describe(e)}",
                    err=True,
                    fg="yellow",
                )
                continue
            self.add_command(command, ep.name)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load_plugin_commands()
        # Built-in and plugin commands work even when the app does not load.
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command

        try:
            app = ctx.ensure_object(ScriptInfo).load_app()
        except NoAppException as e:
            e.show()
            return None

        from .ctx import has_app_context
        from .globals import current_app

        # The context is active for parameter callbacks as well as the command.
        if not has_app_context() or current_app._get_current_object() is not app:
            ctx.with_resource(app.app_context())
        return app.cli.get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        names = set(super().list_commands(ctx))
        try:
            names.update(ctx.ensure_object(ScriptInfo).load_app().cli.list_commands(ctx))
        except NoAppException as e:
            e.show()
        except Exception:
            click.secho(traceback.format_exc(), err=True, fg="red")
        return sorted(names)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        # Importing an app that calls app.run() at module level must not block the command.
        os.environ[_env.env_name("RUN_FROM_CLI")] = "true"
        if "obj" not in extra and "obj" not in self.context_settings:
            extra["obj"] = ScriptInfo(
                create_app=self.create_app,
                set_debug_flag=self.set_debug_flag,
                load_dotenv_defaults=self.load_dotenv,
            )
        return super().make_context(info_name, args, parent=parent, **extra)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if (not args and self.no_args_is_help) or (
            len(args) == 1 and args[0] in self.get_help_option_names(ctx)
        ):
            # Help is shown before eager options run: read VIAL_ENV_FILE and VIAL_APP
            # now so the help lists the app's commands.
            _env_file_option.handle_parse_result(ctx, {}, [])
            _app_option.handle_parse_result(ctx, {}, [])
        return super().parse_args(ctx, args)


# -- vial run


# Newer click makes ParamType generic; the releases vial also supports cannot subscript it.
class CertParamType(click.ParamType):  # type: ignore[type-arg]
    """The ``--cert`` type: a certificate file, ``adhoc``, or an ``ssl.SSLContext``'s import path.

    ``convert`` returns the file's resolved absolute path, the string ``"adhoc"`` (which
    needs the ``cryptography`` package) or the ``SSLContext`` object, each a
    value ``run_simple``'s ``ssl_context`` accepts.

    Raises:
        click.BadParameter: Python has no ``ssl`` module, ``adhoc`` is given
            without ``cryptography``, or the value is none of the three.
    """

    name = "path"

    def __init__(self) -> None:
        self.path_type = click.Path(exists=True, dir_okay=False, resolve_path=True)

    def convert(
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> t.Any:
        from werkzeug.utils import import_string

        try:
            import ssl
        except ImportError:
            raise click.BadParameter(
                "serving HTTPS needs a Python built with the ssl module.", ctx, param
            ) from None
        if isinstance(value, ssl.SSLContext):
            return value
        text = str(value)
        if os.path.isfile(text):
            return self.path_type.convert(text, param, ctx)
        if text.lower() == "adhoc":
            try:
                importlib.import_module("cryptography")
            except ImportError:
                raise click.BadParameter(
                    "an 'adhoc' certificate needs the cryptography package.", ctx, param
                ) from None
            return "adhoc"
        context = import_string(text, silent=True)
        if isinstance(context, ssl.SSLContext):
            return context
        self.fail(
            f"{text!r} is not a file, 'adhoc', or the import path of an SSLContext.", param, ctx
        )


def _validate_key(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--key`` goes with a certificate file, and only with one: pair them in ``cert``."""
    cert = ctx.params.get("cert")
    is_file = isinstance(cert, str) and cert != "adhoc"
    if value is not None:
        if not is_file:
            raise click.BadParameter(
                "only used with a certificate file given to '--cert'.", ctx, param
            )
        ctx.params["cert"] = (cert, value)
    elif is_file:
        raise click.BadParameter("required with a certificate file in '--cert'.", ctx, param)
    return value


class SeparatedPathType(click.Path):
    """A :class:`click.Path` that takes several paths in one value, separated by ``os.pathsep``.

    ``os.pathsep`` is ``:``, or ``;`` on Windows. ``convert`` returns a list;
    each item goes through ``click.Path``'s checks (``exists=True`` refuses a
    missing one), and empty items (``a.cfg::b.cfg``) are skipped.
    """

    # click.Path.convert returns one path; this one returns a list of them.
    def convert(  # type: ignore[override]
        self, value: t.Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> list[t.Any]:
        items = value if isinstance(value, (list, tuple)) else str(value).split(os.pathsep)
        convert_one = super().convert
        return [convert_one(item, param, ctx) for item in items if item]


def _ensure_port_free(host: str, port: int) -> None:
    """Raise a one-line error when another program listens on ``port``.

    The server itself would fail the same way, after two lines of advice.
    """
    from werkzeug.serving import get_sockaddr, select_address_family

    if port == 0 or host.startswith("unix://"):
        return
    family = select_address_family(host, port)
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        if os.name != "nt":
            # Like the server: a port left in TIME_WAIT counts as free.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(get_sockaddr(host, port, family))
        except OSError as e:
            if e.errno == errno.EADDRINUSE:
                raise click.ClickException(
                    f"Port {port} on {host} is in use by another program:"
                    " stop that program or choose another port with --port."
                ) from None
            # Other problems (an address not on this machine) the server reports itself.


def show_server_banner(debug: bool, app_import_path: str | None) -> None:
    """Print the lines the development server starts with: the app and debug mode.

    Prints nothing in the reloader's child process (``WERKZEUG_RUN_MAIN`` is
    ``"true"``), so a restart does not repeat them.

    Args:
        debug: whether debug mode is on.
        app_import_path: the app's ``--app`` value, or its name; ``None`` leaves
            out the line that names it.
    """
    if is_running_from_reloader():
        return
    if app_import_path is not None:
        click.echo(f" * Serving vial app '{app_import_path}'")
    click.echo(f" * Debug mode: {'on' if debug else 'off'}")


def _serve(app: t.Any, host: str, port: int, debug: bool, label: str, **options: t.Any) -> None:
    """Print the banner and warnings once, check the port, and run Werkzeug's server."""
    from werkzeug.serving import run_simple

    show_server_banner(debug, label)
    if not is_running_from_reloader():
        if host in _ALL_INTERFACES:
            click.secho(
                f" * Warning: listening on all interfaces ({host or '0.0.0.0'}): this development"
                " server is reachable from the network. Use a production server to deploy.",
                fg="yellow",
                err=True,
            )
        _ensure_port_free(host, port)
    run_simple(host, port, app, **options)


def _failing_app(error: Exception) -> t.Callable[..., t.Any]:
    """A WSGI app that raises ``error`` on every request."""

    def app(environ: t.Any, start_response: t.Any) -> t.Any:
        raise error

    return app


@click.command("run", short_help="Run the development server.")
@click.option(
    "--host", "-h", default="127.0.0.1", show_default=True, help="The interface to bind to."
)
@click.option("--port", "-p", default=5000, show_default=True, help="The port to bind to.")
@click.option(
    "--cert",
    type=CertParamType(),
    is_eager=True,
    help="A certificate file (with --key), 'adhoc', or an SSLContext's import path: serve HTTPS.",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, resolve_path=True),
    callback=_validate_key,
    expose_value=False,
    help="The key file for the certificate given to --cert.",
)
@click.option(
    "--reload/--no-reload",
    default=None,
    help="Restart when code changes. On in debug mode by default.",
)
@click.option(
    "--debugger/--no-debugger",
    default=None,
    help="Show the interactive debugger on errors. On in debug mode by default.",
)
@click.option(
    "--with-threads/--without-threads",
    default=True,
    help="Handle each request in a thread. On by default.",
)
@click.option(
    "--extra-files",
    type=SeparatedPathType(),
    help=f"More files that trigger a reload when they change, separated by {os.pathsep!r}.",
)
@click.option(
    "--exclude-patterns",
    type=SeparatedPathType(),
    help=f"fnmatch patterns of files that never trigger a reload, separated by {os.pathsep!r}.",
)
@pass_script_info
def run_command(
    info: ScriptInfo,
    host: str,
    port: int,
    reload: bool | None,
    debugger: bool | None,
    with_threads: bool,
    cert: t.Any,
    extra_files: list[str] | None,
    exclude_patterns: list[str] | None,
) -> None:
    """Run the development server.

    It is for development only: it is neither fast nor hardened. Debug mode
    ('--debug') turns on the reloader and the interactive debugger.
    """
    app: t.Any
    try:
        app = info.load_app()
    except Exception as e:
        if not is_running_from_reloader():
            raise
        # In the reloader's child, keep serving so that fixing the code reloads it.
        if isinstance(e, NoAppException):
            e.show()
        else:
            traceback.print_exc()
        app = _failing_app(e)

    debug = _get_debug_flag()
    _serve(
        app,
        host,
        port,
        debug,
        info.app_import_path or str(getattr(app, "name", "app")),
        use_reloader=debug if reload is None else reload,
        use_debugger=debug if debugger is None else debugger,
        threaded=with_threads,
        ssl_context=cert,
        extra_files=extra_files,
        exclude_patterns=exclude_patterns,
    )


run_command.params.insert(0, _debug_option)


def run_app(
    app: Vial,
    host: str | None = None,
    port: int | None = None,
    debug: bool | None = None,
    load_dotenv: bool = True,
    **options: t.Any,
) -> None:
    """Serve ``app`` with Werkzeug's development server (what ``app.run()`` calls).

    The host is ``host``, else ``VIAL_RUN_HOST``, else the host of
    ``SERVER_NAME``, else ``127.0.0.1``; the port likewise with
    ``VIAL_RUN_PORT`` and 5000. ``options`` go to ``werkzeug.serving.run_simple``;
    the reloader and debugger follow debug mode unless given.

    Does nothing inside ``vial run`` or another ``vial`` command, where the
    command line already serves the app or must not block.
    """
    if os.environ.get(_env.env_name("RUN_FROM_CLI")) == "true":
        if not is_running_from_reloader():
            click.secho(
                " * Ignoring app.run(): it would block the 'vial' command."
                " Call it only under 'if __name__ == \"__main__\":'.",
                fg="red",
                err=True,
            )
        return

    if get_load_dotenv(load_dotenv):
        _load_dotenv()
        if _env.env_name("DEBUG") in os.environ:
            app.debug = _get_debug_flag()
    if debug is not None:
        app.debug = bool(debug)

    sn_host, _, sn_port = (app.config.get("SERVER_NAME") or "").partition(":")
    port_variable = _env.env_name("RUN_PORT")
    host = host or os.environ.get(_env.env_name("RUN_HOST")) or sn_host or "127.0.0.1"
    port_value = port if port is not None else os.environ.get(port_variable) or sn_port or 5000
    try:
        port = int(port_value)
    except ValueError:
        raise ValueError(
            f"The port must be a number, not {port_value!r} (from {port_variable})."
        ) from None

    options.setdefault("use_reloader", app.debug)
    options.setdefault("use_debugger", app.debug)
    options.setdefault("threaded", True)
    try:
        _serve(app, host, port, app.debug, app.name, **options)
    except click.ClickException as e:
        e.show()
        raise SystemExit(e.exit_code) from None


# -- vial shell


def _ipython_shell(namespace: dict[str, t.Any], banner: str) -> bool:
    try:
        ipython = importlib.import_module("IPython")
        traitlets_config = importlib.import_module("traitlets.config")
    except ImportError:
        return False
    config = traitlets_config.Config()
    config.TerminalInteractiveShell.banner1 = banner + "\n"
    ipython.start_ipython(argv=[], user_ns=namespace, config=config)
    return True


def _bpython_shell(namespace: dict[str, t.Any], banner: str) -> bool:
    try:
        bpython = importlib.import_module("bpython")
    except ImportError:
        return False
    bpython.embed(locals_=namespace, banner=banner)
    return True


def _python_shell(namespace: dict[str, t.Any], banner: str) -> bool:
    import code

    hook = getattr(sys, "__interactivehook__", None)
    # The hook sets up readline history; only a terminal has any use for it.
    if hook is not None and sys.stdin.isatty():
        try:
            import readline
            from rlcompleter import Completer
        except ImportError:
            pass
        else:
            # Complete names from the shell's namespace, not vial.__main__'s.
            readline.set_completer(Completer(namespace).complete)
        hook()
    code.interact(banner=banner, local=namespace, exitmsg="")
    return True


_SHELLS: dict[str, t.Callable[[dict[str, t.Any], str], bool]] = {
    "ipython": _ipython_shell,
    "bpython": _bpython_shell,
    "python": _python_shell,
}


@click.command("shell", short_help="Run a Python shell in the app context.")
@click.option(
    "--interface",
    "-i",
    type=click.Choice(["auto", *_SHELLS]),
    default="auto",
    show_default=True,
    help="The shell: 'auto' picks IPython, then bpython, then Python's own.",
)
@with_appcontext
def shell_command(interface: str) -> None:
    """Run an interactive Python shell in the app context.

    The names 'app' and 'g' are defined, with those of the app's shell
    context processors. PYTHONSTARTUP runs first, as in 'python'.
    """
    from .globals import current_app

    app: Vial = current_app._get_current_object()
    banner = (
        f"Python {sys.version} on {sys.platform}\n"
        f"App: {app.import_name}\nInstance: {app.instance_path}"
    )
    namespace: dict[str, t.Any] = {}
    startup = os.environ.get("PYTHONSTARTUP")
    if startup and os.path.isfile(startup):
        with open(startup, encoding="utf-8") as f:
            exec(compile(f.read(), startup, "exec"), namespace)
    namespace.update(app.make_shell_context())

    if interface != "auto":
        if not _SHELLS[interface](namespace, banner):
            raise click.UsageError(
                f"{interface} is not installed: install it or pick another --interface."
            )
        return
    for start in _SHELLS.values():
        if start(namespace, banner):
            return


# -- vial routes


@click.command("routes", short_help="Show the app's routes.")
@click.option(
    "--sort",
    "-s",
    type=click.Choice(("endpoint", "methods", "domain", "rule", "match")),
    default="endpoint",
    show_default=True,
    help="Sort by this column; 'match' keeps the order the URL map lists them in.",
)
@click.option("--all-methods", is_flag=True, help="Show HEAD and OPTIONS too.")
@with_appcontext
def routes_command(sort: str, all_methods: bool) -> None:
    """Show the app's routes: endpoint, methods and rule."""
    from .globals import current_app

    rules = list(current_app.url_map.iter_rules())
    if not rules:
        click.echo("No routes were registered.")
        return

    hidden = set() if all_methods else {"HEAD", "OPTIONS"}
    host_matching = bool(getattr(current_app.url_map, "host_matching", False))
    domains = [(rule.host if host_matching else rule.subdomain) or "" for rule in rules]
    headers = ["Endpoint", "Methods"]
    if any(domains):
        headers.append("Host" if host_matching else "Subdomain")
    headers.append("Rule")

    rows: list[list[str]] = []
    for rule, domain in zip(rules, domains, strict=True):
        row = [str(rule.endpoint), ", ".join(sorted((rule.methods or set()) - hidden))]
        if any(domains):
            row.append(domain)
        row.append(rule.rule)
        rows.append(row)

    columns = {"endpoint": 0, "methods": 1, "domain": 2, "rule": len(headers) - 1}
    if sort in columns and (sort != "domain" or len(headers) == 4):
        column = columns[sort]
        rows.sort(key=lambda row: (row[column], row[-1]))

    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]
    for row in [headers, ["-" * w for w in widths], *rows]:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


cli = VialGroup(
    name="vial",
    help="""\
The command line of a vial app.

The app to load comes from '--app', the 'VIAL_APP' environment variable,
or a 'wsgi.py' or 'app.py' file in the current folder.
""",
)
cli.add_command(compat_group)


def main() -> None:
    """The ``vial`` console script (also ``python -m vial``)."""
    cli.main()
