"""Finding the app for the command line, and loading ``.env`` files.

:func:`locate_app` imports a module (or a ``.py`` file) and picks the app in
it with :func:`find_best_app` or :func:`find_app_by_string`; errors become a
one-line :class:`NoAppException`. ``vial.cli`` re-exports every public name.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import traceback
import typing as t
from types import ModuleType

import click

from . import _env
from .app import Vial

#: Names :func:`find_best_app` tries first, then the factories it calls.
_APP_NAMES = ("app", "application")
_FACTORY_NAMES = ("create_app", "make_app")


class NoAppException(click.UsageError):
    """The app could not be found or loaded; the message says what was tried."""

    def show(self, file: t.IO[t.Any] | None = None) -> None:
        # Click's usage line says nothing about why the app did not load: leave it out.
        click.secho(f"Error: {self.format_message()}", file=file, err=file is None, fg="red")


def _describe(e: BaseException) -> str:
    """``"KeyError: 'x' (config.py:12)"``: the exception and where it was raised."""
    text = " ".join(str(e).split())
    message = f"{type(e).__name__}: {text}" if text else type(e).__name__
    if isinstance(e, SyntaxError) and e.filename:
        return f"{message} ({_short_path(e.filename)}:{e.lineno})"
    frames = [f for f in traceback.extract_tb(e.__traceback__) if not f.filename.startswith("<")]
    if frames:
        return f"{message} ({_short_path(frames[-1].filename)}:{frames[-1].lineno})"
    return message


def _short_path(path: str) -> str:
    """``path`` relative to the current folder when it is inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive, on Windows
        return path
    return path if rel.startswith("..") else rel


def _called_with_wrong_args(f: t.Callable[..., t.Any], e: TypeError) -> bool:
    """True when ``e`` came from calling ``f`` itself, not from code inside it."""
    tb = e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code is f.__code__:
            return False
        tb = tb.tb_next
    return True


def _call_factory(
    factory: t.Callable[..., t.Any], module: ModuleType, call: str, *args: t.Any, **kwargs: t.Any
) -> t.Any:
    where = f"{module.__name__}:{call}"
    try:
        return factory(*args, **kwargs)
    except TypeError as e:
        if _called_with_wrong_args(factory, e):
            hint = ""
            if call.endswith("()"):
                hint = f" Pass arguments with --app '{module.__name__}:{factory.__name__}(...)'."
            raise NoAppException(f"Could not call the factory '{where}': {e}.{hint}") from None
        raise NoAppException(f"The factory '{where}' raised {_describe(e)}") from e
    except NoAppException:
        raise
    except Exception as e:
        raise NoAppException(f"The factory '{where}' raised {_describe(e)}") from e


def find_best_app(module: ModuleType) -> Vial:
    """Find the app in ``module``.

    Tries, in order: an attribute ``app`` or ``application``; the only
    :class:`~vial.Vial` instance in the module; a ``create_app`` or
    ``make_app`` function, called without arguments.

    Raises:
        NoAppException: nothing matched, several apps matched, or the factory failed.
    """
    name = module.__name__
    for attr in _APP_NAMES:
        app = getattr(module, attr, None)
        if isinstance(app, Vial):
            return app

    found = [value for value in vars(module).values() if isinstance(value, Vial)]
    if len(found) == 1:
        return found[0]
    if found:
        raise NoAppException(
            f"Found {len(found)} vial apps in module '{name}': pick one with --app '{name}:name'."
        )

    for attr in _FACTORY_NAMES:
        factory = getattr(module, attr, None)
        if inspect.isfunction(factory):
            app = _call_factory(factory, module, f"{attr}()")
            if isinstance(app, Vial):
                return app
            raise NoAppException(
                f"The factory '{name}:{attr}()' returned {type(app).__name__}, not a vial app."
            )

    raise NoAppException(
        f"Found no vial app in module '{name}' (looked for 'app', 'application', a Vial"
        f" instance, and a 'create_app' or 'make_app' factory): name it with --app '{name}:name'."
    )


def find_app_by_string(module: ModuleType, app_name: str) -> Vial:
    """Find the app named by ``app_name`` in ``module``.

    ``app_name`` is an attribute name (``app``) or a call with literal
    arguments (``create_app("dev", debug=True)``). A function named without
    arguments is called without arguments.

    Raises:
        NoAppException: ``app_name`` does not parse, is missing, fails, or is not an app.
    """
    where = f"{module.__name__}:{app_name}"
    try:
        expr = ast.parse(app_name.strip(), mode="eval").body
    except SyntaxError:
        expr = None

    args: list[t.Any] = []
    kwargs: dict[str, t.Any] = {}
    if isinstance(expr, ast.Name):
        name = expr.id
    elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Name):
        name = expr.func.id
        try:
            args = [ast.literal_eval(arg) for arg in expr.args]
            for kw in expr.keywords:
                if kw.arg is None:
                    raise ValueError
                kwargs[kw.arg] = ast.literal_eval(kw.value)
        except ValueError:
            raise NoAppException(
                f"The arguments in '{where}' must be Python literals (strings, numbers, ...)."
            ) from None
    else:
        raise NoAppException(
            f"Could not parse {app_name!r} (in --app '{where}'): give a name like 'app'"
            " or a call like 'create_app()'."
        )

    try:
        attr = getattr(module, name)
    except AttributeError:
        raise NoAppException(f"Module '{module.__name__}' has no attribute {name!r}.") from None

    if inspect.isfunction(attr):
        app = _call_factory(attr, module, app_name, *args, **kwargs)
    elif isinstance(expr, ast.Call):
        raise NoAppException(f"'{module.__name__}:{name}' is not a function: it cannot be called.")
    else:
        app = attr
    if isinstance(app, Vial):
        return app
    raise NoAppException(f"'{where}' is a {type(app).__name__}, not a vial app.")


def prepare_import(path: str) -> str:
    """Turn a file path or module name into an importable module name.

    The folder above the outermost package (a folder with ``__init__.py``)
    is put first on ``sys.path``, so ``src/pkg/app.py`` imports as
    ``pkg.app`` when ``src/pkg`` is a package.
    """
    path = os.path.realpath(path)
    base, ext = os.path.splitext(path)
    if ext == ".py":
        path = base
    if os.path.basename(path) == "__init__":
        path = os.path.dirname(path)

    parts: list[str] = []
    while True:
        path, name = os.path.split(path)
        parts.append(name)
        if not os.path.isfile(os.path.join(path, "__init__.py")):
            break

    if sys.path[0] != path:
        sys.path.insert(0, path)
    return ".".join(reversed(parts))


def _is_missing(e: ImportError, module_name: str) -> bool:
    """True when ``e`` says ``module_name`` itself (or a parent package) does not exist."""
    missing = e.name
    if not isinstance(e, ModuleNotFoundError) or not missing:
        return False
    return module_name == missing or module_name.startswith(missing + ".")


@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: t.Literal[True] = True
) -> Vial: ...
@t.overload
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = ...
) -> Vial | None: ...
def locate_app(
    module_name: str, app_name: str | None, raise_if_not_found: bool = True
) -> Vial | None:
    """Import ``module_name`` and find the app in it (by ``app_name`` when given).

    Returns None when the module does not exist and ``raise_if_not_found`` is false.

    Raises:
        NoAppException: the module is missing, fails to import, or holds no app.
    """
    try:
        __import__(module_name)
    except ImportError as e:
        if not _is_missing(e, module_name):
            raise NoAppException(
                f"While importing '{module_name}', an ImportError was raised: {_describe(e)}"
            ) from e
        if not raise_if_not_found:
            return None
        raise NoAppException(
            f"Could not import '{module_name}': there is no such module or file"
            f" (searched from {os.getcwd()})."
        ) from None
    except Exception as e:
        raise NoAppException(f"While importing '{module_name}', {_describe(e)}") from e

    module = sys.modules[module_name]
    if app_name is None:
        return find_best_app(module)
    return find_app_by_string(module, app_name)


def get_load_dotenv(default: bool = True) -> bool:
    """False when ``VIAL_SKIP_DOTENV`` is set to a true value, else ``default``."""
    value = os.environ.get(_env.env_name("SKIP_DOTENV"))
    if not value:
        return default
    return value.lower() in ("0", "false", "no")


def load_dotenv(path: str | os.PathLike[str] | None = None, load_defaults: bool = True) -> bool:
    """Set environment variables from dotenv files.

    ``path`` wins over ``.env``, which wins over ``.vialenv`` (both found by
    searching up from the current folder when ``load_defaults``). A variable
    already in the environment is never overwritten. Does nothing without
    python-dotenv.

    Returns:
        True when at least one variable was read.
    """
    try:
        import dotenv
    except ImportError:
        if path or os.path.isfile(".env") or os.path.isfile(_env.dotenv_file()):
            click.secho(
                " * Tip: there are .env files here: install python-dotenv to load them.",
                fg="yellow",
                err=True,
            )
        return False

    data: dict[str, str | None] = {}
    if load_defaults:
        for name in (_env.dotenv_file(), ".env"):
            found = dotenv.find_dotenv(name, usecwd=True)
            if found:
                data.update(dotenv.dotenv_values(found, encoding="utf-8"))
    if path is not None and os.path.isfile(path):
        data.update(dotenv.dotenv_values(path, encoding="utf-8"))

    for key, value in data.items():
        if value is not None and key not in os.environ:
            os.environ[key] = value
    return bool(data)
