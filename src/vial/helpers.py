"""Functions views call: ``url_for``, ``redirect``, ``abort``, ``make_response``,
``flash``, ``send_file`` and friends."""

from __future__ import annotations

import typing as t
from collections.abc import Iterable, Iterator
from functools import update_wrapper

from werkzeug.exceptions import Aborter, HTTPException
from werkzeug.routing import RequestRedirect
from werkzeug.sansio.response import Response as SansIOResponse
from werkzeug.urls import iri_to_uri

from . import signals
from .ctx import _NO_CONTEXT, RequestContext, _current_ctx, _cv_ctx, _request_ctx
from .files import send_file as send_file
from .files import send_from_directory as send_from_directory
from .globals import current_app, request, session
from .response import _HTML, Response
from .response import Response as _DefaultResponse

if t.TYPE_CHECKING:
    from .app import Vial

__all__ = [
    "abort",
    "flash",
    "get_flashed_messages",
    "get_template_attribute",
    "make_response",
    "redirect",
    "send_file",
    "send_from_directory",
    "stream_with_context",
    "url_for",
]


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: t.Any,
) -> str:
    """Build the URL of ``endpoint``, filling the rule's variables from ``values``.

    Values the rule does not use become the query string. ``'.name'`` is
    relative to the current blueprint; ``'static'`` with ``filename=``
    addresses a static file. URLs are relative in a request and absolute
    (``_external``) otherwise, which needs ``SERVER_NAME``.

    >>> url_for("home", name="bob", page=2)
    '/home/bob/?page=2'
    """
    return current_app.url_for(
        endpoint,
        _anchor=_anchor,
        _method=_method,
        _scheme=_scheme,
        _external=_external,
        **values,
    )


def _redirect(response_class: type[Response], location: str, code: int) -> Response:
    body = (
        "<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n"
        "<h1>Redirecting...</h1>\n<p>You should be redirected automatically to the target URL: "
        f'<a href="{_escape(location)}">{_escape(location)}</a>. If not, click the link.\n'
    )
    response = response_class(body, code, mimetype="text/html")
    response.headers["Location"] = location if location.isascii() else iri_to_uri(location)
    return response


def _escape(s: str) -> str:
    from markupsafe import escape

    return str(escape(s))


def redirect(location: str, code: int = 302, Response: type[Response] | None = None) -> Response:
    """A response that redirects the client to ``location`` (302 unless ``code`` says otherwise)."""
    if Response is None:
        ctx = _current_ctx()
        if ctx is not _NO_CONTEXT:
            return t.cast("Vial", ctx.app).redirect(location, code)
        Response = _DefaultResponse
    return _redirect(Response, location, code)


class _VialAborter(Aborter):
    def __call__(
        self, code: int | SansIOResponse | Response, *args: t.Any, **kwargs: t.Any
    ) -> t.NoReturn:
        if isinstance(code, (Response, SansIOResponse)):
            raise HTTPException(response=code)  # type: ignore[arg-type]
        if code not in self.mapping:
            raise LookupError(f"no exception for {code!r}")
        raise self.mapping[code](*args, **kwargs)


_aborter = _VialAborter()


def abort(code: int | Response, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
    """Stop the request with an HTTP error: ``abort(404)``, ``abort(403, "why")``.

    Raises the matching ``werkzeug.exceptions.HTTPException``, which the app's
    error handlers receive. ``abort(response)`` sends that response as it is.
    Inside an app context the app's ``aborter`` (``aborter_class``) is used.
    """
    if isinstance(code, (Response, SansIOResponse)):
        raise HTTPException(response=code)  # type: ignore[arg-type]
    ctx = _current_ctx()
    aborter = ctx.app.aborter if ctx is not _NO_CONTEXT else _aborter
    aborter(code, *args, **kwargs)
    raise AssertionError("the aborter returned")  # pragma: no cover - an aborter raises


def make_response(*args: t.Any) -> Response:
    """Turn view-style return values into a response, to add headers or cookies.

    ``make_response()`` gives an empty response; one argument or several (a
    tuple) are converted as a view's return value would be.
    """
    app = _current_ctx().app
    if not args:
        return app.response_class()  # type: ignore[no-any-return]
    if len(args) == 1:
        args = args[0]
    return app._response_for(args)  # type: ignore[no-any-return]


def stream_with_context(
    generator_or_function: Iterable[t.AnyStr] | t.Callable[..., Iterable[t.AnyStr]],
) -> Iterator[t.AnyStr]:
    """Keep the request context alive while a streamed response is generated.

    Use it around a generator (or as a decorator of a generator function)
    that a view returns, when the generator needs ``request`` or ``session``.
    """
    try:
        gen = iter(generator_or_function)  # type: ignore[arg-type]
    except TypeError:

        def decorator(*args: t.Any, **kwargs: t.Any) -> t.Any:
            return stream_with_context(generator_or_function(*args, **kwargs))  # type: ignore[operator]

        return update_wrapper(decorator, generator_or_function)  # type: ignore[return-value, arg-type]
    ctx = _current_ctx()
    if not isinstance(ctx, RequestContext):
        raise RuntimeError(
            "'stream_with_context' can only be used when a request context is active, such"
            " as in a view function."
        )
    return _ContextStream(ctx, gen)


class _ContextStream(Iterator[t.AnyStr]):
    """Iterates a generator with its request context active, then tears the context down.

    The context is set around each step rather than for the whole stream, so
    the steps may run in different threads or contexts (as under ASGI).
    """

    def __init__(self, ctx: RequestContext, gen: Iterator[t.AnyStr]) -> None:
        self.ctx = ctx
        self.gen: Iterator[t.AnyStr] = gen
        self.closed = False
        ctx._held += 1

    def __next__(self) -> t.AnyStr:
        token = _cv_ctx.set(self.ctx)
        try:
            return next(self.gen)
        except BaseException:
            self._close()
            raise
        finally:
            _cv_ctx.reset(token)

    def close(self) -> None:
        """Close the generator and release the request context."""
        token = _cv_ctx.set(self.ctx)
        try:
            self._close()
        finally:
            _cv_ctx.reset(token)

    def _close(self) -> None:
        if self.closed:
            return
        self.closed = True
        try:
            close = getattr(self.gen, "close", None)
            if close is not None:
                close()
        finally:
            self.ctx._release()


def flash(message: str, category: str = "message") -> None:
    """Store ``message`` in the session for the next request's ``get_flashed_messages``."""
    flashes = session.get("_flashes", [])
    flashes.append((category, message))
    session["_flashes"] = flashes
    if signals.message_flashed.receivers:
        app = current_app._get_current_object()
        signals.message_flashed.send(
            app, _async_wrapper=app.ensure_sync, message=message, category=category
        )


def get_flashed_messages(
    with_categories: bool = False, category_filter: Iterable[str] = ()
) -> list[str] | list[tuple[str, str]]:
    """Return (and consume) the flashed messages, optionally with categories or filtered."""
    ctx = _request_ctx()
    flashes: list[tuple[str, str]] | None = ctx.request.__dict__.get("_flashes")
    if flashes is None:
        flashes = session.pop("_flashes") if "_flashes" in session else []
        ctx.request.__dict__["_flashes"] = flashes
    if category_filter:
        wanted = set(category_filter)
        flashes = [f for f in flashes if f[0] in wanted]
    if not with_categories:
        return [x[1] for x in flashes]
    return [tuple(x) for x in flashes]


def get_template_attribute(template_name: str, attribute: str) -> t.Any:
    """Load a macro (or variable) a template exports, to call it from Python."""
    return getattr(current_app.jinja_env.get_template(template_name).module, attribute)


# -- conversions used by Vial.make_response

_exception_cache: dict[type[HTTPException], tuple[bytes, list[tuple[str, str]]]] = {}


def _response_from_http_exception(app: Vial, e: HTTPException) -> Response:
    """Render an HTTP error as a response, caching the page of default errors."""
    if e.response is not None:
        return app.make_response(e.response)
    if isinstance(e, RequestRedirect):
        return app.redirect(e.new_url, e.code)
    cls = type(e)
    plain = (
        e.description == cls.description
        and cls.get_body is HTTPException.get_body
        and cls.get_headers is HTTPException.get_headers
    )
    cached = _exception_cache.get(cls) if plain else None
    if cached is None:
        body = e.get_body().encode()
        headers = e.get_headers()
        cached = (body, headers)
        if plain:
            _exception_cache[cls] = cached
    body, headers = cached
    response = app.response_class._text(body, e.code or 500, _HTML)
    if len(headers) > 1:
        response.headers.extend(h for h in headers if h[0].lower() != "content-type")
    return response


def _response_from_wsgi(app: Vial, rv: t.Any) -> Response:
    """Run a WSGI callable (a Werkzeug response, say) and capture its response."""
    captured: list[t.Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Any:
        captured[:] = [status, headers]
        return lambda data: None

    if isinstance(rv, SansIOResponse):
        response = app.response_class(
            rv.response if hasattr(rv, "response") else None,
            rv.status,
            list(rv.headers),
            direct_passthrough=getattr(rv, "direct_passthrough", False),
        )
        return response
    body = rv(request.environ, start_response)
    status, headers = captured
    return app.response_class(body, status, headers)
