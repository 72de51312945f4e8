"""Registration shared by :class:`~vial.Vial` and :class:`~vial.Blueprint`.

Routes, request hooks, error handlers and template context processors are
recorded here in dicts keyed by blueprint name (``None`` for the app). The
app flattens them into per-blueprint tuples before its first request, so the
request path never searches these registries.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import typing as t
from collections import defaultdict

from werkzeug.exceptions import HTTPException, default_exceptions

from ._lazy import lazy
from .globals import current_app
from .helpers import send_from_directory

if t.TYPE_CHECKING:
    import click
    from jinja2 import BaseLoader

    from .response import Response

__all__ = ["Scaffold", "find_package", "get_root_path"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
ErrorHandler = t.Callable[[t.Any], t.Any]
_sentinel: t.Any = object()


def get_root_path(import_name: str) -> str:
    """Return the folder of the module or package ``import_name``.

    Falls back to the current working directory for an interactive
    ``__main__`` that has no file.
    """
    module = sys.modules.get(import_name)
    filename = getattr(module, "__file__", None) if module is not None else None
    if filename is None:
        try:
            spec = importlib.util.find_spec(import_name)
        except (ImportError, ValueError):
            spec = None
        if spec is None or spec.origin in (None, "namespace", "built-in", "frozen"):
            if spec is not None and spec.submodule_search_locations:
                return os.path.abspath(next(iter(spec.submodule_search_locations)))
            return os.getcwd()
        filename = spec.origin
    return os.path.dirname(os.path.abspath(filename))


def _top_level_folder(import_name: str) -> str:
    """The folder that holds the top-level package or module of ``import_name``."""
    top = import_name.partition(".")[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        spec = None
    if spec is None or top == "__main__":
        return get_root_path(import_name)
    locations = list(spec.submodule_search_locations or ())
    if not locations:  # a module
        return get_root_path(top)
    if spec.origin not in (None, "namespace"):  # a regular package: the folder above it
        return os.path.dirname(os.path.dirname(os.path.abspath(spec.origin)))
    # A namespace package spans folders: the one holding the imported submodule counts.
    inner = get_root_path(import_name)
    for location in locations:
        if inner == location or inner.startswith(location + os.sep):
            return os.path.dirname(os.path.abspath(location))
    return os.path.dirname(os.path.abspath(locations[0]))


def find_package(import_name: str) -> tuple[str | None, str]:
    """Where ``import_name``'s top-level package lives: ``(install prefix, folder)``.

    The folder holds the top-level package or module. The prefix is ``None``
    when it is not installed; else ``sys.prefix`` when the folder is inside
    it, or the prefix of the ``site-packages`` folder it sits in (the folder
    above ``lib``).
    """
    folder = _top_level_folder(import_name)
    prefix = os.path.abspath(sys.prefix)
    if folder == prefix or folder.startswith(prefix + os.sep):
        return prefix, folder
    site_parent, site = os.path.split(folder)
    if site.lower() != "site-packages":
        return None, folder
    # <prefix>/lib/pythonX.Y/site-packages, <prefix>/Lib/site-packages or <prefix>/site-packages
    above, name = os.path.split(site_parent)
    if name.lower() == "lib":
        return above, folder
    if os.path.basename(above).lower() == "lib":
        return os.path.dirname(above), folder
    return site_parent, folder


def _endpoint_from_view_func(view_func: t.Callable[..., t.Any] | None) -> str:
    if view_func is None:
        raise TypeError("An endpoint name is required when no view function is given.")
    return view_func.__name__


def _setup_method(f: F) -> F:
    """Mark a registration method: it fails once setup is finished."""

    def wrapper(self: Scaffold, *args: t.Any, **kwargs: t.Any) -> t.Any:
        self._check_setup_finished(f.__name__)
        return f(self, *args, **kwargs)

    wrapper.__name__ = f.__name__
    wrapper.__qualname__ = f.__qualname__
    wrapper.__doc__ = f.__doc__
    wrapper.__wrapped__ = f  # type: ignore[attr-defined]
    return t.cast(F, wrapper)


class Scaffold:
    """The registration API common to the app and blueprints."""

    name: str
    _static_folder: str | None = None
    _static_url_path: str | None = None

    def __init__(
        self,
        import_name: str,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | None = None,
    ) -> None:
        #: The name of the package or module this object belongs to.
        self.import_name = import_name
        self.static_folder = static_folder
        self.static_url_path = static_url_path
        #: The templates folder, relative to :attr:`root_path`.
        self.template_folder = template_folder
        if root_path is None:
            root_path = get_root_path(self.import_name)
        #: The absolute folder that relative paths are resolved against.
        self.root_path = root_path
        #: Endpoint name to view function.
        self.view_functions: dict[str, t.Callable[..., t.Any]] = {}
        #: Blueprint name (None for the app) -> status code or None -> exception class -> handler.
        self.error_handler_spec: dict[
            str | None, dict[int | None, dict[type[BaseException], ErrorHandler]]
        ] = defaultdict(lambda: defaultdict(dict))
        self.before_request_funcs: dict[str | None, list[t.Callable[[], t.Any]]] = defaultdict(list)
        self.after_request_funcs: dict[str | None, list[t.Callable[[t.Any], t.Any]]] = defaultdict(
            list
        )
        self.teardown_request_funcs: dict[
            str | None, list[t.Callable[[BaseException | None], t.Any]]
        ] = defaultdict(list)
        self.template_context_processors: dict[
            str | None, list[t.Callable[[], dict[str, t.Any]]]
        ] = defaultdict(list)
        self.url_value_preprocessors: dict[
            str | None, list[t.Callable[[str | None, dict[str, t.Any] | None], None]]
        ] = defaultdict(list)
        self.url_default_functions: dict[
            str | None, list[t.Callable[[str, dict[str, t.Any]], None]]
        ] = defaultdict(list)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r}>"

    def _check_setup_finished(self, f_name: str) -> None:
        raise NotImplementedError

    @lazy
    def cli(self) -> click.Group:
        """The click group for this object's commands (``@app.cli.command()``),
        named after the app or blueprint."""
        from .cli import AppGroup

        return AppGroup(self.name)

    # -- static files and templates

    @property
    def static_folder(self) -> str | None:
        """The absolute path of the static folder, or None."""
        if self._static_folder is not None:
            return os.path.join(self.root_path, self._static_folder)
        return None

    @static_folder.setter
    def static_folder(self, value: str | os.PathLike[str] | None) -> None:
        if value is not None:
            value = os.fspath(value).rstrip(r"\/")
        self._static_folder = value

    @property
    def has_static_folder(self) -> bool:
        """True when a static folder is set."""
        return self.static_folder is not None

    @property
    def static_url_path(self) -> str | None:
        """The URL prefix static files are served under, e.g. ``/static``."""
        if self._static_url_path is not None:
            return self._static_url_path
        if self.static_folder is not None:
            basename = os.path.basename(self.static_folder)
            return f"/{basename}".rstrip("/")
        return None

    @static_url_path.setter
    def static_url_path(self, value: str | None) -> None:
        if value is not None:
            value = value.rstrip("/")
        self._static_url_path = value

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """The ``max_age`` for a static file; ``SEND_FILE_MAX_AGE_DEFAULT`` by default."""
        value = current_app.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if hasattr(value, "total_seconds"):
            return int(value.total_seconds())
        return int(value)

    def send_static_file(self, filename: str) -> Response:
        """The view function for the ``static`` endpoint."""
        if not self.has_static_folder:
            raise RuntimeError("'static_folder' must be set to serve static_files.")
        max_age = self.get_send_file_max_age(filename)
        return send_from_directory(t.cast(str, self.static_folder), filename, max_age=max_age)

    # A few system calls on a local file: cheaper on the event loop than a thread hop.
    send_static_file._vial_nonblocking = True  # type: ignore[attr-defined]

    @lazy
    def jinja_loader(self) -> BaseLoader | None:
        """A Jinja loader for :attr:`template_folder`, or None."""
        if self.template_folder is None:
            return None
        from jinja2 import FileSystemLoader

        return FileSystemLoader(os.path.join(self.root_path, self.template_folder))

    def open_resource(
        self, resource: str, mode: str = "rb", encoding: str | None = None
    ) -> t.IO[t.Any]:
        """Open ``resource``, a path relative to :attr:`root_path`, for reading."""
        if mode not in {"r", "rt", "rb"}:
            raise ValueError("Resources can only be opened for reading.")
        path = os.path.join(self.root_path, resource)
        if mode == "rb":
            return open(path, mode)
        return open(path, mode, encoding=encoding)

    # -- routes

    def _method_route(self, method: str, rule: str, options: dict[str, t.Any]) -> t.Any:
        if "methods" in options:
            raise TypeError("Use the 'route' decorator to use the 'methods' argument.")
        return self.route(rule, methods=[method], **options)

    def get(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)  # type: ignore[no-any-return]

    def post(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)  # type: ignore[no-any-return]

    def put(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)  # type: ignore[no-any-return]

    def delete(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)  # type: ignore[no-any-return]

    def patch(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)  # type: ignore[no-any-return]

    def route(self, rule: str, **options: t.Any) -> t.Callable[[F], F]:
        """Register the decorated function as the view for URL ``rule``.

        ``endpoint`` defaults to the function's name; ``methods`` to
        ``["GET"]``; other options (``defaults``, ``strict_slashes``,
        ``subdomain``, ``redirect_to``, ...) go to the rule.

        >>> @app.route("/home/<name>/")
        ... def home(name): ...
        """

        def decorator(f: F) -> F:
            endpoint = options.pop("endpoint", None)
            self.add_url_rule(rule, endpoint, f, **options)
            return f

        return decorator

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Register a URL rule; :meth:`route` is the decorator form."""
        raise NotImplementedError

    def endpoint(self, endpoint: str) -> t.Callable[[F], F]:
        """Register the decorated function as the view for ``endpoint``."""

        def decorator(f: F) -> F:
            self.view_functions[endpoint] = f
            return f

        return decorator

    # -- hooks

    @_setup_method
    def before_request(self, f: F) -> F:
        """Run ``f()`` before each request; a non-None return value is the response."""
        self.before_request_funcs.setdefault(None, []).append(f)
        return f

    @_setup_method
    def after_request(self, f: F) -> F:
        """Run ``f(response)`` after each request; it returns the response to send."""
        self.after_request_funcs.setdefault(None, []).append(f)
        return f

    @_setup_method
    def teardown_request(self, f: F) -> F:
        """Run ``f(error)`` when the request context ends, even after an error."""
        self.teardown_request_funcs.setdefault(None, []).append(f)
        return f

    @_setup_method
    def context_processor(self, f: F) -> F:
        """Merge the dict ``f()`` returns into every template context."""
        self.template_context_processors[None].append(f)
        return f

    @_setup_method
    def url_value_preprocessor(self, f: F) -> F:
        """Run ``f(endpoint, view_args)`` before the view, to pop or change URL values."""
        self.url_value_preprocessors[None].append(f)
        return f

    @_setup_method
    def url_defaults(self, f: F) -> F:
        """Run ``f(endpoint, values)`` in ``url_for`` to fill in missing URL values."""
        self.url_default_functions[None].append(f)
        return f

    def errorhandler(self, code_or_exception: type[Exception] | int) -> t.Callable[[F], F]:
        """Register the decorated function to handle an HTTP status code or exception class.

        >>> @app.errorhandler(404)
        ... def not_found(e):
        ...     return "Nothing here", 404
        """

        def decorator(f: F) -> F:
            self.register_error_handler(code_or_exception, f)
            return f

        return decorator

    @_setup_method
    def register_error_handler(
        self, code_or_exception: type[Exception] | int, f: ErrorHandler
    ) -> None:
        """The non-decorator form of :meth:`errorhandler`."""
        exc_class, code = self._get_exc_class_and_code(code_or_exception)
        self.error_handler_spec[None][code][exc_class] = f

    @staticmethod
    def _get_exc_class_and_code(
        exc_class_or_code: type[Exception] | int,
    ) -> tuple[type[Exception], int | None]:
        if isinstance(exc_class_or_code, int):
            try:
                exc_class: type[Exception] = default_exceptions[exc_class_or_code]
            except KeyError:
                raise ValueError(
                    f"'{exc_class_or_code}' is not a recognized HTTP error code. Use a"
                    " subclass of HTTPException with that code instead."
                ) from None
        else:
            exc_class = exc_class_or_code
        if isinstance(exc_class, Exception):
            raise TypeError(
                f"{exc_class!r} is an instance, not a class. Handlers can only be"
                " registered for Exception classes or HTTP error codes."
            )
        if not isinstance(exc_class, type) or not issubclass(exc_class, Exception):
            raise ValueError(
                f"'{exc_class.__name__}' is not a subclass of Exception. Handlers can only"
                " be registered for Exception classes or HTTP error codes."
            )
        if issubclass(exc_class, HTTPException):
            return exc_class, exc_class.code
        return exc_class, None
