"""The application object: configuration, registration and request dispatch.

This module turns a request into a response without knowing the server:
``wsgi.py`` and ``asgi.py`` translate the server's side. Registration is
frozen at the first request; from then on the request path reads flat,
precomputed tuples (``_Plan``) instead of walking the registries.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import sys
import threading
import typing as t
import warnings
import weakref
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import quote

from werkzeug.datastructures import Headers
from werkzeug.exceptions import (
    Aborter,
    BadHost,
    BadRequest,
    BadRequestKeyError,
    HTTPException,
    InternalServerError,
    NotFound,
)
from werkzeug.routing import RequestRedirect, RoutingException

from . import _env, signals
from ._async import async_to_sync, is_async_callable, to_async
from ._lazy import lazy
from .asgi import ASGIRequest
from .asgi import serve as _serve_asgi
from .config import Config, ConfigAttribute
from .ctx import (
    AppContext,
    RequestContext,
    _AppCtxGlobals,
    _current_ctx,
    _request_ctx,
)
from .helpers import (
    _redirect,
    _response_from_http_exception,
    _response_from_wsgi,
    _VialAborter,
)
from .json.provider import DefaultJSONProvider, JSONProvider
from .request import Request
from .response import _HTML, Response, _text_response
from .routing import BuildError, Map, Rule
from .scaffold import Scaffold, _endpoint_from_view_func, _setup_method, find_package
from .sessions import SecureCookieSessionInterface, SessionInterface, SessionMixin
from .templating import Environment, _default_template_ctx_processor
from .wsgi import serve as _serve_wsgi

if t.TYPE_CHECKING:
    from jinja2 import BaseLoader

    from .blueprints import Blueprint
    from .testing import VialClient, VialCliRunner

__all__ = ["Vial"]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])
_sentinel: t.Any = object()
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"
_ROOT_SAFE = "/%:@&+$,;=~!*'()"


def _make_timedelta(value: timedelta | int) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=value)


def _get_debug_flag() -> bool:
    value = os.environ.get(_env.env_name("DEBUG"))
    return bool(value and value.lower() not in ("0", "false", "no"))


def _blueprint_chain(name: str | None) -> tuple[str, ...]:
    """``'a.b.c'`` -> ``('a.b.c', 'a.b', 'a')``: a blueprint and its parents, innermost first."""
    if not name:
        return ()
    parts = name.split(".")
    return tuple(".".join(parts[:i]) for i in range(len(parts), 0, -1))


def _not_found(request: Request) -> HTTPException:
    """A 404, or a 400 when the Host header cannot be IDNA-encoded.

    Werkzeug refuses to route such a host. Checking only here, once nothing
    matched, keeps the cost off requests that match.
    """
    host = request._host_header()
    # Only a non-ASCII, an empty or a long label can fail: skip the slow codec otherwise.
    if host and (not host.isascii() or ".." in host or len(host) > 63):
        try:
            host.lower().encode("idna")
        except UnicodeError:
            return BadHost("The Host header is not a valid host name: it cannot be IDNA-encoded.")
    return NotFound()


_WARNING_REGISTRY: dict[t.Any, t.Any] = {}


def _warn_server_name(host: str, server_name: str) -> None:
    """Warn, as Werkzeug does, that a request's host is not ``SERVER_NAME`` or under it."""
    caller = sys._getframe(2)
    # Attributed to the app module by its public name ("flask.app" under the Flask
    # shim, whose env prefix is FLASK), so filters written for Flask apply.
    warnings.warn_explicit(
        f"Current server name {host!r} doesn't match configured server name {server_name!r}",
        UserWarning,
        caller.f_code.co_filename,
        caller.f_lineno,
        module=f"{_env.PREFIX.lower()}.app",
        registry=_WARNING_REGISTRY,
    )


class _Plan:
    """The hooks of one blueprint chain, flattened and adapted for sync or async calls."""

    __slots__ = (
        "after",
        "before",
        "blueprint",
        "blueprints",
        "context_processors",
        "teardown",
        "value_preprocessors",
    )

    def __init__(self, app: Vial, blueprint: str | None, adapt: t.Callable[[t.Any], t.Any]):
        chain = _blueprint_chain(blueprint)
        outer_first: tuple[str | None, ...] = (None, *reversed(chain))
        inner_first: tuple[str | None, ...] = (*chain, None)

        def collect(
            registry: dict[str | None, list[t.Any]], names: t.Any, rev: bool
        ) -> tuple[t.Any, ...]:
            funcs: list[t.Any] = []
            for name in names:
                found = registry.get(name) or ()
                funcs.extend(reversed(found) if rev else found)
            return tuple(adapt(f) for f in funcs)

        self.blueprint = blueprint
        self.blueprints = chain
        self.value_preprocessors = collect(app.url_value_preprocessors, outer_first, False)
        self.before = collect(app.before_request_funcs, outer_first, False)
        self.after = collect(app.after_request_funcs, inner_first, True)
        self.teardown = collect(app.teardown_request_funcs, inner_first, True)
        self.context_processors = collect(app.template_context_processors, outer_first, False)


class Vial(Scaffold):
    """The application: register views on it, configure it, serve it.

    One object serves WSGI servers (gunicorn, the development server) and
    ASGI servers (uvicorn, granian)::

        from vial import Vial
        app = Vial(__name__)

        @app.route("/")
        def index():
            return "<h1>Hello !</h1>"
    """

    # The app's own attributes are slots. In an instance dict of more than 30
    # names (the app's, its base's and the ones extensions add), Python 3.11
    # specialises no method call on the object: each app._handle(...) would
    # then cost a full lookup. The dict keeps the rest, and whatever else is set.
    __slots__ = (
        "_asgi_request_class",
        "_async_endpoint_plans",
        "_async_views",
        "_domain_mode",
        "_endpoint_plans",
        "_fast_text",
        "_got_first_request",
        "_handler_cache",
        "_has_teardown_funcs",
        "_plain_routing_errors",
        "_plans",
        "_quiet_teardown",
        "_serving",
        "_setup_lock",
        "_sync_views",
        "aborter",
        "after_serving_funcs",
        "before_serving_funcs",
        "blueprints",
        "config",
        "extensions",
        "instance_path",
        "json",
        "shell_context_processors",
        "subdomain_matching",
        "teardown_appcontext_funcs",
        "url_build_error_handlers",
        "url_map",
    )

    request_class: type[Request] = Request
    response_class: type[Response] = Response
    url_rule_class = Rule
    url_map_class = Map
    config_class = Config
    app_ctx_globals_class = _AppCtxGlobals
    json_provider_class: type[JSONProvider] = DefaultJSONProvider
    session_interface: SessionInterface = SecureCookieSessionInterface()
    #: The Jinja environment class ``create_jinja_environment`` uses.
    jinja_environment: type[Environment] = Environment
    test_client_class: type[VialClient] | None = None
    test_cli_runner_class: type[VialCliRunner] | None = None
    #: The class of :attr:`aborter` (a Werkzeug ``Aborter``).
    aborter_class: type[Aborter] = _VialAborter
    #: Options passed to the Jinja environment when it is created.
    jinja_options: dict[str, t.Any] = {}

    testing = ConfigAttribute[bool]("TESTING")
    secret_key = ConfigAttribute[str | bytes | None]("SECRET_KEY")
    permanent_session_lifetime = ConfigAttribute[timedelta](
        "PERMANENT_SESSION_LIFETIME", get_converter=_make_timedelta
    )

    default_config: dict[str, t.Any] = {
        "DEBUG": None,
        "TESTING": False,
        "PROPAGATE_EXCEPTIONS": None,
        "SECRET_KEY": None,
        "SECRET_KEY_FALLBACKS": None,
        "PERMANENT_SESSION_LIFETIME": timedelta(days=31),
        "USE_X_SENDFILE": False,
        "TRUSTED_HOSTS": None,
        "SERVER_NAME": None,
        "APPLICATION_ROOT": "/",
        "SESSION_COOKIE_NAME": "session",
        "SESSION_COOKIE_DOMAIN": None,
        "SESSION_COOKIE_PATH": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_PARTITIONED": False,
        "SESSION_COOKIE_SAMESITE": None,
        "SESSION_REFRESH_EACH_REQUEST": True,
        "MAX_CONTENT_LENGTH": None,
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 1_000,
        "SEND_FILE_MAX_AGE_DEFAULT": None,
        "TRAP_BAD_REQUEST_ERRORS": None,
        "TRAP_HTTP_EXCEPTIONS": False,
        "EXPLAIN_TEMPLATE_LOADING": False,
        "PREFERRED_URL_SCHEME": "http",
        "TEMPLATES_AUTO_RELOAD": None,
        "MAX_COOKIE_SIZE": 4093,
        "PROVIDE_AUTOMATIC_OPTIONS": True,
    }

    def __init__(
        self,
        import_name: str,
        static_url_path: str | None = None,
        static_folder: str | os.PathLike[str] | None = "static",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        instance_path: str | None = None,
        instance_relative_config: bool = False,
        root_path: str | None = None,
    ) -> None:
        super().__init__(
            import_name,
            static_folder=static_folder,
            static_url_path=static_url_path,
            template_folder=template_folder,
            root_path=root_path,
        )
        if instance_path is None:
            instance_path = self.auto_find_instance_path()
        elif not os.path.isabs(instance_path):
            raise ValueError(
                "If an instance path is provided it must be absolute. A relative path was"
                " given instead."
            )
        #: The folder for files that are not under version control (config, databases).
        self.instance_path = instance_path
        self.config = self.make_config(instance_relative_config)
        #: The JSON provider; ``app.json.dumps`` / ``loads`` / ``response``.
        self.json: JSONProvider = self.json_provider_class(self)
        #: What :func:`vial.abort` raises through inside this app's contexts.
        self.aborter = self.make_aborter()
        #: Extensions store their state here, keyed by a name of their own.
        self.extensions: dict[str, t.Any] = {}
        self.url_map = self.url_map_class(host_matching=host_matching)
        self.subdomain_matching = subdomain_matching
        #: Name to blueprint, in registration order.
        self.blueprints: dict[str, Blueprint] = {}
        self.teardown_appcontext_funcs: list[t.Callable[[BaseException | None], t.Any]] = []
        self.shell_context_processors: list[t.Callable[[], dict[str, t.Any]]] = []
        self.url_build_error_handlers: list[
            t.Callable[[Exception, str, dict[str, t.Any]], str]
        ] = []
        self.before_serving_funcs: list[t.Callable[[], t.Any]] = []
        self.after_serving_funcs: list[t.Callable[[], t.Any]] = []
        self.template_context_processors[None].append(_default_template_ctx_processor)
        self._got_first_request = False
        #: ``request_class`` made fit for ASGI, read once the app is set up (asgi.py).
        self._asgi_request_class: type[ASGIRequest] | None = None
        self._serving = False
        self._setup_lock = threading.Lock()
        self._plans: dict[tuple[str | None, bool], _Plan] = {}
        self._endpoint_plans: dict[str | None, _Plan] = {}
        self._async_endpoint_plans: dict[str | None, _Plan] = {}
        self._handler_cache: dict[tuple[type, str | None], t.Any] = {}
        self._sync_views: dict[str, t.Callable[..., t.Any]] = {}
        self._async_views: dict[str | None, bool] = {}
        self._fast_text = False
        self._has_teardown_funcs = True
        #: True once setup is frozen with no teardown function: pop skips _teardown
        #: unless a signal has receivers or the request holds uploads.
        self._quiet_teardown = False
        #: False while raise_routing_exception must see every routing error.
        self._plain_routing_errors = False
        self._domain_mode = 0

        if self.has_static_folder:
            if bool(static_host) != host_matching:
                # AssertionError, as Flask raises it.
                raise AssertionError(
                    "Invalid static_host/host_matching combination: static_host is required"
                    " with host_matching, and only allowed with it."
                )
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                host=static_host,
                view_func=_static_view(self),
            )

    # -- properties

    @lazy
    def name(self) -> str:
        """The app's name: the import name, or the script's name when run as ``__main__``."""
        if self.import_name == "__main__":
            fn = getattr(sys.modules["__main__"], "__file__", None)
            if fn is None:
                return "__main__"
            return str(os.path.splitext(os.path.basename(fn))[0])
        return self.import_name

    @property
    def debug(self) -> bool:
        """Debug mode (the ``DEBUG`` setting): detailed errors and template reloading."""
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value
        if self.config["TEMPLATES_AUTO_RELOAD"] is None and "jinja_env" in self.__dict__:
            self.jinja_env.auto_reload = value

    @lazy
    def logger(self) -> logging.Logger:
        """The ``logging.Logger`` named after the app (``app.name``)."""
        from .logging import create_logger

        return create_logger(self)

    @lazy
    def jinja_env(self) -> Environment:
        """The Jinja environment, created on first use."""
        return self.create_jinja_environment()

    def make_aborter(self) -> Aborter:
        """Create :attr:`aborter`, an instance of :attr:`aborter_class`."""
        return self.aborter_class()

    def make_config(self, instance_relative: bool = False) -> Config:
        """Create the config, filled with :attr:`default_config` and ``VIAL_DEBUG``."""
        root_path = self.instance_path if instance_relative else self.root_path
        defaults = dict(self.default_config)
        defaults["DEBUG"] = _get_debug_flag()
        return self.config_class(root_path, defaults)

    def auto_find_instance_path(self) -> str:
        """The default instance folder, from :func:`~vial.scaffold.find_package`.

        ``instance`` beside the app's top-level package or module, or
        ``<prefix>/var/<name>-instance`` when that package is installed.
        """
        prefix, folder = find_package(self.import_name)
        if prefix is None:
            return os.path.join(folder, "instance")
        return os.path.join(prefix, "var", f"{self.name}-instance")

    def open_instance_resource(self, resource: str, mode: str = "rb") -> t.IO[t.Any]:
        """Open ``resource`` relative to :attr:`instance_path`."""
        return open(os.path.join(self.instance_path, resource), mode)

    def _check_setup_finished(self, f_name: str) -> None:
        if self._got_first_request:
            raise AssertionError(
                f"The setup method '{f_name}' can no longer be called on the application:"
                " it has already handled its first request, so the change would not apply"
                " consistently. Do all the setup (imports, decorators, registrations)"
                " before the app serves requests."
            )

    # -- registration

    @_setup_method
    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: t.Callable[..., t.Any] | None = None,
        provide_automatic_options: bool | None = None,
        **options: t.Any,
    ) -> None:
        """Register ``view_func`` for URL ``rule`` under ``endpoint``.

        ``methods`` defaults to the view's ``methods`` attribute or ``["GET"]``;
        ``HEAD`` follows ``GET`` and ``OPTIONS`` is answered automatically.
        """
        if endpoint is None:
            endpoint = _endpoint_from_view_func(view_func)
        options["endpoint"] = endpoint
        methods = options.pop("methods", None)
        if methods is None:
            methods = getattr(view_func, "methods", None) or ("GET",)
        if isinstance(methods, str):
            raise TypeError(
                "Allowed methods must be a list of strings, for example:"
                ' @app.route(..., methods=["POST"])'
            )
        method_set = {item.upper() for item in methods}
        required = set(getattr(view_func, "required_methods", ()))
        if provide_automatic_options is None:
            provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
        if provide_automatic_options is None:
            provide_automatic_options = (
                "OPTIONS" not in method_set and self.config["PROVIDE_AUTOMATIC_OPTIONS"]
            )
            if provide_automatic_options:
                required.add("OPTIONS")
        method_set |= required
        rule_obj = self.url_rule_class(rule, methods=method_set, **options)
        rule_obj.provide_automatic_options = bool(provide_automatic_options)
        self.url_map.add(rule_obj)
        if view_func is not None:
            old = self.view_functions.get(endpoint)
            if old is not None and old != view_func:
                raise AssertionError(
                    "View function mapping is overwriting an existing endpoint function:"
                    f" {endpoint}"
                )
            self.view_functions[endpoint] = view_func

    @_setup_method
    def register_blueprint(self, blueprint: Blueprint, **options: t.Any) -> None:
        """Register ``blueprint``; options (``url_prefix``, ``name``, ...) override its own."""
        blueprint.register(self, options)

    def iter_blueprints(self) -> t.ValuesView[Blueprint]:
        """The registered blueprints, in registration order."""
        return self.blueprints.values()

    @_setup_method
    def teardown_appcontext(self, f: F) -> F:
        """Run ``f(error)`` when an application context ends."""
        self.teardown_appcontext_funcs.append(f)
        return f

    @_setup_method
    def shell_context_processor(self, f: F) -> F:
        """Add names (the dict ``f()`` returns) to the ``vial shell`` namespace."""
        self.shell_context_processors.append(f)
        return f

    def before_serving(self, f: F) -> F:
        """Run ``f()`` once per process before serving: before the first WSGI request,
        or at ASGI lifespan startup."""
        self.before_serving_funcs.append(f)
        return f

    def after_serving(self, f: F) -> F:
        """Run ``f()`` once per process when serving ends: at ASGI lifespan shutdown, or
        at interpreter exit under WSGI."""
        self.after_serving_funcs.append(f)
        return f

    def make_shell_context(self) -> dict[str, t.Any]:
        """The namespace of ``vial shell``: ``app``, ``g`` and the processors' names."""
        from .globals import g

        rv: dict[str, t.Any] = {"app": self, "g": g}
        for processor in self.shell_context_processors:
            rv.update(processor())
        return rv

    # -- templates

    def create_jinja_environment(self) -> Environment:
        """Create the Jinja environment (see :mod:`vial.templating`)."""
        from .templating import create_jinja_environment

        return create_jinja_environment(self)

    def create_global_jinja_loader(self) -> BaseLoader:
        """The loader that searches the app's templates, then each blueprint's."""
        from .templating import DispatchingJinjaLoader

        return DispatchingJinjaLoader(self)

    def select_jinja_autoescape(self, filename: str | None) -> bool:
        """Autoescape templates ending in .html, .htm, .xml, .xhtml or .svg (and strings)."""
        if filename is None:
            return True
        return filename.endswith((".html", ".htm", ".xml", ".xhtml", ".svg"))

    def update_template_context(self, context: dict[str, t.Any]) -> None:
        """Add the context processors' values to ``context``; the caller's values win."""
        ctx = _current_ctx()
        if isinstance(ctx, RequestContext):
            processors = self._request_plan(ctx.request.url_rule).context_processors
        else:
            processors = tuple(self.ensure_sync(f) for f in self.template_context_processors[None])
        original = context.copy()
        for processor in processors:
            context.update(processor())
        context.update(original)

    def _template_decorator(self, add: t.Callable[..., None], name: t.Any) -> t.Any:
        if callable(name):
            add(name)
            return name

        def decorator(f: F) -> F:
            add(f, name=name)
            return f

        return decorator

    def template_filter(self, name: str | None = None) -> t.Callable[[F], F]:
        """Register a Jinja filter (``@app.template_filter()`` or ``("name")``)."""
        return self._template_decorator(self.add_template_filter, name)  # type: ignore[no-any-return]

    def template_test(self, name: str | None = None) -> t.Callable[[F], F]:
        """Register a Jinja test."""
        return self._template_decorator(self.add_template_test, name)  # type: ignore[no-any-return]

    def template_global(self, name: str | None = None) -> t.Callable[[F], F]:
        """Register a Jinja global."""
        return self._template_decorator(self.add_template_global, name)  # type: ignore[no-any-return]

    @_setup_method
    def add_template_filter(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """The non-decorator form of :meth:`template_filter`."""
        self.jinja_env.filters[name or f.__name__] = f

    @_setup_method
    def add_template_test(self, f: t.Callable[..., bool], name: str | None = None) -> None:
        """The non-decorator form of :meth:`template_test`."""
        self.jinja_env.tests[name or f.__name__] = f

    @_setup_method
    def add_template_global(self, f: t.Callable[..., t.Any], name: str | None = None) -> None:
        """The non-decorator form of :meth:`template_global`."""
        self.jinja_env.globals[name or f.__name__] = f

    # -- contexts and testing

    def app_context(self) -> AppContext:
        """A new application context: ``with app.app_context(): ...``."""
        return AppContext(self)

    def request_context(self, environ: dict[str, t.Any]) -> RequestContext:
        """A new request context for a WSGI ``environ``."""
        return RequestContext(self, self.request_class(environ, self))

    def test_request_context(self, *args: t.Any, **kwargs: t.Any) -> RequestContext:
        """A request context for a request built from the test client's arguments.

        >>> with app.test_request_context("/?q=1"):
        ...     request.args["q"]
        '1'
        """
        from .testing import EnvironBuilder

        builder = EnvironBuilder(self, *args, **kwargs)
        try:
            return self.request_context(builder.get_environ())
        finally:
            builder.close()

    def test_client(self, use_cookies: bool = True, **kwargs: t.Any) -> VialClient:
        """A test client; ``use_asgi=True`` drives the app through its ASGI interface."""
        from .testing import VialClient

        cls = self.test_client_class or VialClient
        return cls(self, use_cookies=use_cookies, **kwargs)

    def test_cli_runner(self, **kwargs: t.Any) -> VialCliRunner:
        """A click runner that invokes this app's CLI commands."""
        from .testing import VialCliRunner

        cls = self.test_cli_runner_class or VialCliRunner
        return cls(self, **kwargs)

    # -- async support

    def ensure_sync(self, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        """Return ``func`` callable from sync code: ``async def`` functions get wrapped."""
        if is_async_callable(func):
            return self.async_to_sync(func)
        return func

    def async_to_sync(
        self, func: t.Callable[..., t.Coroutine[t.Any, t.Any, t.Any]]
    ) -> t.Callable[..., t.Any]:
        """Wrap an ``async def`` function so that sync code can call it."""
        return async_to_sync(func)

    # -- URL building

    def url_for(
        self,
        /,
        endpoint: str,
        *,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        _external: bool | None = None,
        **values: t.Any,
    ) -> str:
        """Build the URL of ``endpoint``; see :func:`vial.url_for`."""
        ctx = _current_ctx()
        request: Request | None = None
        if isinstance(ctx, RequestContext):
            request = ctx.request
            if endpoint[:1] == ".":
                blueprint = request.blueprint
                endpoint = f"{blueprint}{endpoint}" if blueprint is not None else endpoint[1:]
            if _external is None:
                _external = _scheme is not None
        else:
            if self.config["SERVER_NAME"] is None:
                raise RuntimeError(
                    "Unable to build URLs outside an active request without 'SERVER_NAME'"
                    " configured. Also configure 'APPLICATION_ROOT' and"
                    " 'PREFERRED_URL_SCHEME' as needed."
                )
            if _external is None:
                _external = True
        if _scheme is not None and not _external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")
        self.inject_url_defaults(endpoint, values)
        try:
            domain, path = self.url_map.build(endpoint, values, method=_method)
        except BuildError as error:
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)
        rv = self._compose_url(request, domain, path, _scheme, bool(_external))
        if _anchor is not None:
            rv = f"{rv}#{quote(_anchor, safe=_ANCHOR_SAFE)}"
        return rv

    def _compose_url(
        self, request: Request | None, domain: str, path: str, scheme: str | None, external: bool
    ) -> str:
        config = self.config
        if request is not None:
            root = request.root_path
            if not external and not domain:
                # The common case: a path on the current host.
                return f"{quote(root, safe=_ROOT_SAFE)}{path}" if root else path
            host = request.host
            scheme = scheme or request.scheme
        else:
            root = config["APPLICATION_ROOT"].rstrip("/")
            host = config["SERVER_NAME"]
            scheme = scheme or config["PREFERRED_URL_SCHEME"]
        if self.url_map.host_matching:
            if domain and domain != host:
                host, external = domain, True
        elif domain:
            server_name = config["SERVER_NAME"] or host
            wanted = f"{domain}.{server_name}"
            if wanted != host:
                host, external = wanted, True
        root = quote(root, safe=_ROOT_SAFE) if root else root
        if not external:
            return f"{root}{path}"
        return f"{scheme}://{host}{root}{path}"

    def inject_url_defaults(self, endpoint: str, values: dict[str, t.Any]) -> None:
        """Run the ``url_defaults`` functions of the app and the endpoint's blueprints."""
        registry = self.url_default_functions
        if not registry:
            return
        names: tuple[str | None, ...] = (None,)
        if "." in endpoint:
            names += tuple(reversed(_blueprint_chain(endpoint.rpartition(".")[0])))
        for name in names:
            for func in registry.get(name, ()):
                func(endpoint, values)

    def handle_url_build_error(
        self, error: BuildError, endpoint: str, values: dict[str, t.Any]
    ) -> str:
        """Try the ``url_build_error_handlers``; re-raise ``error`` if none returns a URL."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except BuildError as e:
                error = e
            else:
                if rv is not None:
                    return rv
        if error is sys.exc_info()[1]:
            raise
        raise error

    # -- routing

    def _freeze(self) -> None:
        """Finish setup before the first request: precompute what the request path reads."""
        with self._setup_lock:
            if self._got_first_request:
                return
            self._fast_text = self.response_class is Response
            self._domain_mode = self._find_domain_mode()
            self._has_teardown_funcs = any(self.teardown_request_funcs.values())
            self._quiet_teardown = not (self._has_teardown_funcs or self.teardown_appcontext_funcs)
            self._plain_routing_errors = (
                type(self).raise_routing_exception is Vial.raise_routing_exception
            )
            self._got_first_request = True
        if not self._serving:
            self._start_serving_sync()

    def _start_serving_sync(self) -> None:
        self._serving = True
        for func in self.before_serving_funcs:
            self.ensure_sync(func)()
        self._stop_serving_at_exit()

    def _stop_serving_at_exit(self) -> None:
        if self.after_serving_funcs:
            import atexit

            atexit.register(self._stop_serving_sync)

    def _stop_serving_sync(self) -> None:
        for func in self.after_serving_funcs:
            self.ensure_sync(func)()

    async def _start_serving_async(self) -> None:
        self._serving = True
        for func in self.before_serving_funcs:
            await to_async(func)()

    async def _stop_serving_async(self) -> None:
        for func in self.after_serving_funcs:
            await to_async(func)()

    def _find_domain_mode(self) -> int:
        """0: domains are ignored; 1: host matching; 2: subdomain matching."""
        if self.url_map.host_matching:
            return 1
        if self.subdomain_matching or any(r.subdomain for r in self.url_map.iter_rules()):
            return 2
        return 0

    def _domain(self, request: Request) -> str | None:
        mode = self._domain_mode if self._got_first_request else self._find_domain_mode()
        if mode == 0:
            return None
        host = request.host.lower()
        if mode == 1:
            return host
        server_name = self.config["SERVER_NAME"]
        if not self.subdomain_matching or not server_name:
            return self.url_map.default_subdomain
        # request.host leaves out the default port; so does the comparison.
        default_port = ":443" if request.scheme == "https" else ":80"
        server_name = server_name.lower().removesuffix(default_port)
        if host == server_name:
            return ""
        if host.endswith("." + server_name):
            return host[: -len(server_name) - 1]
        # As Werkzeug does: the request matches no subdomain, so rules 404 (or match
        # '<invalid>' as a subdomain variable), and the configuration may be wrong.
        _warn_server_name(host, server_name)
        return "<invalid>"

    def _match_request(self, request: Request) -> None:
        """Match the request's path; store the rule and values, or the routing error."""
        request._matched = True
        trusted = self.config["TRUSTED_HOSTS"]
        if trusted is not None:
            request.trusted_hosts = trusted
            try:
                request.host  # noqa: B018 - validates the Host header
            except HTTPException as e:
                request.routing_exception = e
                return
        try:
            result = self.url_map.match(
                request.path,
                request.method,
                self._domain(request) if self._domain_mode or not self._got_first_request else None,
            )
        except RequestRedirect as e:
            query = request.query_string
            target = quote(e.new_url, safe="/%:@&+$,;=~!*'()?#")
            if query:
                target = f"{target}?{query.decode('latin-1')}"
            if "://" not in target:
                target = f"{request.scheme}://{request.host}{request.root_path}{target}"
            e.new_url = target
            request.routing_exception = e
        except HTTPException as e:
            request.routing_exception = e
        else:
            if result is None:
                request.routing_exception = _not_found(request)
            else:
                request.url_rule, request.view_args = result

    # -- dispatch

    def _request_plan(self, rule: Rule | None, is_async: bool = False) -> _Plan:
        """The hooks for ``rule``'s blueprint chain; cached once setup is frozen."""
        cache = self._async_endpoint_plans if is_async else self._endpoint_plans
        endpoint = rule.endpoint if rule is not None else None
        plan = cache.get(endpoint)
        if plan is None:
            blueprint = endpoint.rpartition(".")[0] or None if endpoint else None
            adapt = to_async if is_async else self.ensure_sync
            if not self._got_first_request:
                # Hooks may still be registered (a test request context, say).
                return _Plan(self, blueprint, adapt)
            key = (blueprint, is_async)
            plan = self._plans.get(key)
            if plan is None:
                plan = self._plans[key] = _Plan(self, blueprint, adapt)
            cache[endpoint] = plan
        return plan

    def _view(self, endpoint: str) -> t.Callable[..., t.Any]:
        view = self._sync_views.get(endpoint)
        if view is None:
            view = self.ensure_sync(self.view_functions[endpoint])
            if self._got_first_request:
                self._sync_views[endpoint] = view
        return view

    def _handle(self, ctx: RequestContext) -> Response:
        """Serve one request synchronously: push the context, dispatch, tear down."""
        if not self._got_first_request:
            self._freeze()
        error: BaseException | None = None
        ctx.push()
        try:
            try:
                return self._full_dispatch(ctx)
            except Exception as e:
                error = e
                return self.handle_exception(e)
        except BaseException as e:
            error = e
            raise
        finally:
            if ctx._preserve is not None:
                ctx._preserve(ctx)
            if error is not None and self.should_ignore_error(error):
                error = None
            ctx.pop(error)

    def _full_dispatch(self, ctx: RequestContext) -> Response:
        request = ctx.request
        rule = request.url_rule
        plan = self._endpoint_plans.get(rule.endpoint if rule is not None else None)
        if plan is None:
            plan = self._request_plan(rule)
        try:
            if signals.request_started.receivers:
                signals.request_started.send(self, _async_wrapper=self.ensure_sync)
            rv = None
            if plan.value_preprocessors:
                for func in plan.value_preprocessors:
                    func(request.endpoint, request.view_args)
            if plan.before:
                for func in plan.before:
                    rv = func()
                    if rv is not None:
                        break
            if rv is None:
                exc = request.routing_exception
                if exc is not None:
                    # A 404 or 405 skips raising when the default method would only re-raise it.
                    if not self._plain_routing_errors or isinstance(exc, RequestRedirect):
                        self.raise_routing_exception(request)
                    rv = self.handle_user_exception(exc)
                elif rule.provide_automatic_options and request.method == "OPTIONS":  # type: ignore[union-attr]
                    rv = self.make_default_options_response()
                else:
                    endpoint: str = rule.endpoint  # type: ignore[union-attr, assignment]
                    view = self._sync_views.get(endpoint) or self._view(endpoint)
                    args = request.view_args
                    rv = view(**args) if args else view()
        except Exception as e:
            rv = self.handle_user_exception(e)
        if plan.after or ctx._after_request_functions or type(rv) is not str or not self._fast_text:
            return self._finalize(ctx, rv, plan)
        # _finalize for a str and no after-request function, written out.
        response = _text_response(rv.encode(), 200, _HTML)
        if ctx._session is not None or request._has_cookie_header():
            self._save_session(ctx, response)
        if signals.request_finished.receivers:
            signals.request_finished.send(self, _async_wrapper=self.ensure_sync, response=response)
        return response

    def _finalize(
        self, ctx: RequestContext, rv: t.Any, plan: _Plan, from_error_handler: bool = False
    ) -> Response:
        if type(rv) is str and self._fast_text:
            response = _text_response(rv.encode(), 200, _HTML)
        else:
            response = self._response_for(rv)
        try:
            funcs = ctx._after_request_functions
            if funcs:
                for func in funcs:
                    response = self.ensure_sync(func)(response)
            if plan.after:
                for func in plan.after:
                    response = func(response)
            if ctx._session is not None or ctx.request._has_cookie_header():
                self._save_session(ctx, response)
            if signals.request_finished.receivers:
                signals.request_finished.send(
                    self, _async_wrapper=self.ensure_sync, response=response
                )
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    def _response_for(self, rv: t.Any) -> Response:
        """``make_response`` with fast lanes for the common return values."""
        kind = type(rv)
        if kind is str and self._fast_text:
            return _text_response(rv.encode(), 200, _HTML)
        if kind is self.response_class:
            return rv  # type: ignore[no-any-return]
        if isinstance(rv, HTTPException):
            return _response_from_http_exception(self, rv)
        return self.make_response(rv)

    def finalize_request(self, rv: t.Any, from_error_handler: bool = False) -> Response:
        """Turn ``rv`` into a response and run the after-request processing on it."""
        ctx = _request_ctx()
        return self._finalize(ctx, rv, self._request_plan(ctx.request.url_rule), from_error_handler)

    def _save_session(self, ctx: RequestContext, response: Response) -> None:
        session = ctx._session
        if session is None:
            session = self._session_to_refresh(ctx)
            if session is None:
                return
        interface = self.session_interface
        if not interface.is_null_session(session):
            interface.save_session(self, session, response)

    def _session_to_refresh(self, ctx: RequestContext) -> SessionMixin | None:
        """Open the session the view left alone when its cookie may need refreshing.

        Flask opens every request's session, so the cookie of a permanent
        session gets a new expiry even when the view never used it. vial opens
        the session only when used, and here, at save time, when the request
        carries the session cookie and ``SESSION_REFRESH_EACH_REQUEST`` is on.
        """
        if not self.config["SESSION_REFRESH_EACH_REQUEST"]:
            return None
        if self.session_interface.get_cookie_name(self) not in ctx.request.cookies:
            return None
        return ctx.session

    def _open_session(self, request: Request) -> SessionMixin:
        interface = self.session_interface
        session = interface.open_session(self, request)
        if session is None:
            session = interface.make_null_session(self)
        return session

    def process_response(self, response: Response) -> Response:
        """Run the after-request functions and save the session (Flask's hook point)."""
        ctx = _request_ctx()
        funcs = ctx._after_request_functions
        if funcs:
            for func in funcs:
                response = self.ensure_sync(func)(response)
        for func in self._request_plan(ctx.request.url_rule).after:
            response = func(response)
        self._save_session(ctx, response)
        return response

    def preprocess_request(self) -> t.Any:
        """Run the URL value preprocessors and ``before_request`` functions.

        Returns the first non-None value a ``before_request`` function returned.
        """
        request = _request_ctx().request
        plan = self._request_plan(request.url_rule)
        for func in plan.value_preprocessors:
            func(request.endpoint, request.view_args)
        for func in plan.before:
            rv = func()
            if rv is not None:
                return rv
        return None

    def dispatch_request(self) -> t.Any:
        """Call the view of the matched rule (or raise the routing error)."""
        request = _request_ctx().request
        if request.routing_exception is not None:
            self.raise_routing_exception(request)
        rule = t.cast(Rule, request.url_rule)
        if rule.provide_automatic_options and request.method == "OPTIONS":
            return self.make_default_options_response()
        return self._view(rule.endpoint)(**request.view_args)  # type: ignore[arg-type]

    def raise_routing_exception(self, request: Request) -> t.NoReturn:
        """Raise ``request.routing_exception``, the 404, 405 or redirect routing stored.

        In debug mode, a redirect that makes the client repeat a request other
        than GET, HEAD or OPTIONS as a GET (a 301 or 302) raises
        :class:`~vial.debughelpers.FormDataRoutingRedirect` instead, which
        explains that the form data would be lost. The dispatch calls this for
        every request that matched no rule, so a subclass can override it.
        """
        exc = request.routing_exception
        if (
            self.debug
            and isinstance(exc, RequestRedirect)
            and exc.code not in (307, 308)
            and request.method not in ("GET", "HEAD", "OPTIONS")
        ):
            from .debughelpers import FormDataRoutingRedirect

            raise FormDataRoutingRedirect(request)
        raise t.cast(Exception, exc)

    def full_dispatch_request(self) -> Response:
        """Dispatch the current request with hooks and error handling."""
        return self._full_dispatch(_request_ctx())

    def make_default_options_response(self) -> Response:
        """The automatic ``OPTIONS`` response: empty, with ``Allow``."""
        request = _request_ctx().request
        methods = self.url_map.allowed_methods(request.path, self._domain(request))
        rv = self.response_class()
        rv.headers["Allow"] = ", ".join(sorted(methods))
        return rv

    # -- the same dispatch for async views on an ASGI server

    async def _finalize_async(
        self, ctx: RequestContext, rv: t.Any, plan: _Plan, from_error_handler: bool = False
    ) -> Response:
        response = self._response_for(rv)
        try:
            funcs = ctx._after_request_functions
            if funcs:
                for func in funcs:
                    response = await to_async(func)(response)
            for func in plan.after:
                response = await func(response)
            if ctx._session is not None or ctx.request._has_cookie_header():
                self._save_session(ctx, response)
            if signals.request_finished.receivers:
                signals.request_finished.send(self, response=response)
        except Exception:
            if not from_error_handler:
                raise
            self.logger.exception("Request finalizing failed with an error while handling an error")
        return response

    async def _handle_user_exception_async(self, e: Exception) -> t.Any:
        handler = self._user_exception_handler(e)
        return e if handler is None else await to_async(handler)(e)

    async def _handle_exception_async(self, e: Exception) -> Response:
        server_error = self._server_error(e)
        handler = self._find_error_handler(server_error)
        rv: t.Any = server_error
        if handler is not None:
            rv = await to_async(handler)(server_error)
        ctx = _request_ctx()
        plan = self._request_plan(ctx.request.url_rule, True)
        return await self._finalize_async(ctx, rv, plan, from_error_handler=True)

    # -- errors

    def trap_http_exception(self, e: Exception) -> bool:
        """True when ``e`` should propagate like an ordinary exception (for debugging)."""
        if self.config["TRAP_HTTP_EXCEPTIONS"]:
            return True
        trap_bad_request = self.config["TRAP_BAD_REQUEST_ERRORS"]
        if trap_bad_request is None and self.debug and isinstance(e, BadRequestKeyError):
            return True
        if trap_bad_request:
            return isinstance(e, BadRequest)
        return False

    def _find_error_handler(
        self, e: Exception, blueprints: t.Sequence[str] | None = None
    ) -> t.Callable[[t.Any], t.Any] | None:
        if blueprints is None:
            ctx = _current_ctx()
            rule = ctx.request.url_rule if isinstance(ctx, RequestContext) else None
            blueprints = self._request_plan(rule).blueprints
        key = (type(e), blueprints[0] if blueprints else None)
        if self._got_first_request:
            cached = self._handler_cache.get(key, _sentinel)
            if cached is not _sentinel:
                return cached  # type: ignore[no-any-return]
        exc_class, code = self._get_exc_class_and_code(type(e))
        handler = None
        names = (*blueprints, None)
        for c in (code, None) if code is not None else (None,):
            for name in names:
                handler_map = self.error_handler_spec.get(name, {}).get(c)
                if not handler_map:
                    continue
                for cls in exc_class.__mro__:
                    handler = handler_map.get(cls)
                    if handler is not None:
                        break
                if handler is not None:
                    break
            if handler is not None:
                break
        if self._got_first_request:
            self._handler_cache[key] = handler
        return handler

    def handle_http_exception(self, e: HTTPException) -> t.Any:
        """Pass an HTTP error to its handler, or return it to become the response."""
        if e.code is None or isinstance(e, RoutingException):
            return e
        handler = self._find_error_handler(e)
        if handler is None:
            return e
        return self.ensure_sync(handler)(e)

    def _user_exception_handler(self, e: Exception) -> t.Callable[[t.Any], t.Any] | None:
        """The handler for ``e``; None when ``e`` itself is the response; re-raises ``e``
        when nothing handles it."""
        if isinstance(e, BadRequestKeyError) and (
            self.debug or self.config["TRAP_BAD_REQUEST_ERRORS"]
        ):
            e.show_exception = True
        if isinstance(e, HTTPException) and not self.trap_http_exception(e):
            if e.code is None or isinstance(e, RoutingException):
                return None
            return self._find_error_handler(e)
        handler = self._find_error_handler(e)
        if handler is None:
            raise e
        return handler

    def handle_user_exception(self, e: Exception) -> t.Any:
        """Handle an exception raised by a view or hook, or re-raise it when unhandled."""
        handler = self._user_exception_handler(e)
        return e if handler is None else self.ensure_sync(handler)(e)

    def _server_error(self, e: Exception) -> InternalServerError:
        """Signal and log an unhandled exception; re-raise it when it should propagate."""
        if signals.got_request_exception.receivers:
            signals.got_request_exception.send(self, _async_wrapper=self.ensure_sync, exception=e)
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.testing or self.debug
        if propagate:
            raise e
        self.log_exception((type(e), e, e.__traceback__))
        return InternalServerError(original_exception=e)

    def handle_exception(self, e: Exception) -> Response:
        """Turn an unhandled exception into a 500 response (or propagate it in testing)."""
        server_error: t.Any = self._server_error(e)
        handler = self._find_error_handler(server_error)
        if handler is not None:
            server_error = self.ensure_sync(handler)(server_error)
        return self.finalize_request(server_error, from_error_handler=True)

    def log_exception(self, exc_info: t.Any) -> None:
        """Log an unhandled exception with the request's path and method."""
        ctx = _current_ctx()
        where = ""
        if isinstance(ctx, RequestContext):
            where = f" on {ctx.request.path} [{ctx.request.method}]"
        self.logger.error(f"Exception{where}", exc_info=exc_info)

    def should_ignore_error(self, error: BaseException | None) -> bool:
        """Return True to hide ``error`` from the teardown functions."""
        return False

    def _teardown(self, ctx: RequestContext, exc: BaseException | None) -> None:
        """Run the teardown functions of a request context being popped.

        After the ASGI path awaited the functions itself only the signals remain.
        """
        if ctx._async_teardown:
            if signals.request_tearing_down.receivers:
                signals.request_tearing_down.send(self, exc=exc)
        elif self._has_teardown_funcs or signals.request_tearing_down.receivers:
            self.do_teardown_request(exc)
        if ctx.request._uploads:
            ctx.request.close()
        if ctx._owns_app_context and (
            self.teardown_appcontext_funcs or signals.appcontext_tearing_down.receivers
        ):
            if not ctx._async_teardown:
                self.do_teardown_appcontext(exc)
            elif signals.appcontext_tearing_down.receivers:
                signals.appcontext_tearing_down.send(self, exc=exc)

    def do_teardown_request(self, exc: BaseException | None = _sentinel) -> None:
        """Run the ``teardown_request`` functions for the current request."""
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        for func in self._request_plan(_request_ctx().request.url_rule).teardown:
            func(exc)
        if signals.request_tearing_down.receivers:
            signals.request_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    def do_teardown_appcontext(self, exc: BaseException | None = _sentinel) -> None:
        """Run the ``teardown_appcontext`` functions."""
        if exc is _sentinel:
            exc = sys.exc_info()[1]
        for func in reversed(self.teardown_appcontext_funcs):
            self.ensure_sync(func)(exc)
        if signals.appcontext_tearing_down.receivers:
            signals.appcontext_tearing_down.send(self, _async_wrapper=self.ensure_sync, exc=exc)

    # -- responses

    def make_response(self, rv: t.Any) -> Response:
        """Convert a view's return value into a response object.

        Accepts ``str``, ``bytes``, a dict or list (JSON), a response object, an
        iterator (streamed), an HTTP exception, a WSGI callable, or a tuple
        ``(body, status)``, ``(body, headers)`` or ``(body, status, headers)``.
        """
        status = headers = None
        if isinstance(rv, tuple):
            size = len(rv)
            if size == 3:
                rv, status, headers = rv
            elif size == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise TypeError(
                    "The view function did not return a valid response tuple. The tuple"
                    " must have the form (body, status, headers), (body, status), or"
                    " (body, headers)."
                )
        if rv is None:
            endpoint = _request_ctx().request.endpoint if _has_request() else None
            raise TypeError(
                f"The view function for {endpoint!r} did not return a valid"
                " response. The function either returned None or ended without a"
                " return statement."
            )
        if not isinstance(rv, self.response_class):
            if isinstance(rv, (str, bytes, bytearray, Iterator)):
                rv = self.response_class(rv, status=status, headers=headers)  # type: ignore[arg-type]
                status = headers = None
            elif isinstance(rv, (dict, list)):
                rv = self.json.response(rv)
            elif isinstance(rv, HTTPException):
                rv = _response_from_http_exception(self, rv)
            elif isinstance(rv, Response) or callable(rv):
                rv = _response_from_wsgi(self, rv)
            else:
                raise TypeError(
                    "The view function did not return a valid response. The return type"
                    " must be a string, dict, list, tuple with headers or status,"
                    " Response instance, or WSGI callable, but it was a"
                    f" {type(rv).__name__}."
                )
        if status is not None:
            if isinstance(status, (str, bytes, bytearray)):
                rv.status = status if isinstance(status, str) else status.decode()
            else:
                rv.status_code = status
        if headers:
            rv.headers.update(headers)
        return t.cast(Response, rv)

    def redirect(self, location: str, code: int = 302) -> Response:
        """A redirect response to ``location``."""
        return _redirect(self.response_class, location, code)

    # -- serving

    def __call__(self, a: t.Any, b: t.Any, c: t.Any = None) -> t.Any:
        """The WSGI ``(environ, start_response)`` and ASGI ``(scope, receive, send)`` entry."""
        if c is None:
            return self.wsgi_app(a, b)
        return self.asgi_app(a, b, c)

    #: The WSGI application, ``(environ, start_response)``; wrap this (not the
    #: app) in WSGI middleware. Like ``asgi_app``, the adapter's function itself:
    #: one call less per request than a method that calls it.
    wsgi_app = _serve_wsgi

    #: The ASGI 3 application, ``async (scope, receive, send)``; wrap this (not the
    #: app) in ASGI middleware. The adapter's coroutine function itself: one call
    #: less per request than a method that returns its coroutine.
    asgi_app = _serve_asgi

    def run(
        self,
        host: str | None = None,
        port: int | None = None,
        debug: bool | None = None,
        load_dotenv: bool = True,
        **options: t.Any,
    ) -> None:
        """Serve the app with the development server (``python app.py`` style)."""
        from .cli import run_app

        run_app(self, host=host, port=port, debug=debug, load_dotenv=load_dotenv, **options)

    def _get_current_object(self) -> Vial:
        return self


# ASGI servers (uvicorn) pick ASGI 3 when ``app.__call__`` looks like a coroutine
# function; it returns one for ASGI calls, so mark it as one.
Vial.__call__._is_coroutine = asyncio.coroutines._is_coroutine  # type: ignore[attr-defined]
if hasattr(inspect, "markcoroutinefunction"):  # Python 3.12+
    inspect.markcoroutinefunction(Vial.__call__)


def _static_view(app: Vial) -> t.Callable[..., Response]:
    """The ``static`` endpoint's view, holding the app weakly so the app has no
    reference cycle and is freed as soon as nothing else refers to it."""
    app_ref = weakref.ref(app)

    def static(filename: str) -> Response:
        return app_ref().send_static_file(filename)  # type: ignore[union-attr]

    static._vial_nonblocking = True  # type: ignore[attr-defined]
    return static


def _has_request() -> bool:
    return isinstance(_current_ctx(), RequestContext)
