"""The ASGI adapter: scope and body in, response messages out; plus lifespan.

The body is read (up to ``MAX_CONTENT_LENGTH``) before dispatch, so
``request.form`` and ``request.json`` stay synchronous. ``async def`` views
run on the event loop; a sync view runs, with its hooks, in a worker thread.
"""

from __future__ import annotations

import io
import typing as t
from collections.abc import AsyncIterable, Iterable, Iterator
from types import CoroutineType
from urllib.parse import quote

from werkzeug.datastructures import Headers, ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import RequestRedirect

from . import signals
from ._async import is_async_callable, run_in_thread, to_async
from ._compiled import compiled_or
from ._lazy import lazy
from ._urlencoded import EMPTY, parse_query
from .ctx import RequestContext
from .request import Request
from .response import _HTML, Response, _text_response, bodiless_headers

if t.TYPE_CHECKING:
    from .app import Vial

__all__ = ["ASGIRequest", "environ_from_scope", "serve"]

Message = dict[str, t.Any]
Receive = t.Callable[[], t.Awaitable[Message]]
Send = t.Callable[[Message], t.Awaitable[None]]

_header_keys: dict[str, bytes] = {}
#: Response header names and their bytes.
_header_names: dict[str, bytes] = {}


class ASGIRequest(Request):
    """A request received over ASGI: headers come from the scope, the body was pre-read."""

    __slots__ = ("_body", "_header_map", "scope")

    def __init__(
        self, scope: dict[str, t.Any], body: bytes | None, app: Vial | None = None
    ) -> None:
        self.scope = scope
        self._body = body
        self._app = app
        #: The raw headers by name (ASGI names are lower case); a repeated
        #: name's values joined as HTTP allows. Built in C where it is compiled.
        self._header_map: dict[bytes, bytes] = _map_headers(scope["headers"])
        self.method = scope["method"]
        path: str = scope["path"] or "/"
        root = scope.get("root_path")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        if path[:1] != "/" or "//" in path:  # cheaper than testing the start for "//"
            path = "/" + path.lstrip("/")  # one leading slash, as Werkzeug's
        self.path = path
        self.url_rule = None
        self.view_args = None
        self.routing_exception = None
        self._matched = False
        self._uploads = False

    def _header(self, name: str) -> str | None:
        key = _header_keys.get(name)
        if key is None:
            key = _header_keys[name] = name.encode("latin-1")
        value = self._header_map.get(key)
        return value.decode("latin-1") if value is not None else None

    def _has_cookie_header(self) -> bool:
        return b"cookie" in self._header_map

    def _host_header(self) -> str | None:
        value = self._header_map.get(b"host")
        return value.decode("latin-1") if value is not None else None

    @lazy
    def headers(self) -> Headers:
        """The request headers."""
        return Headers(
            [(k.decode("latin-1").title(), v.decode("latin-1")) for k, v in self.scope["headers"]]
        )

    @property
    def scheme(self) -> str:
        """The URL scheme, ``http`` or ``https``."""
        return self.scope.get("scheme", "http")  # type: ignore[no-any-return]

    @property
    def server(self) -> tuple[str, int | None] | None:
        """The address ``(host, port)`` the server listens on."""
        server = self.scope.get("server")
        return (server[0], server[1]) if server else None

    @property
    def remote_addr(self) -> str | None:
        """The client's address."""
        client = self.scope.get("client")
        return client[0] if client else None

    @lazy
    def root_path(self) -> str:
        """The prefix the app is mounted under, without a trailing slash."""
        return self.scope.get("root_path", "").rstrip("/")  # type: ignore[no-any-return]

    @lazy
    def query_string(self) -> bytes:
        """The raw query string."""
        return self.scope.get("query_string", b"")  # type: ignore[no-any-return]

    @lazy
    def args(self) -> ImmutableMultiDict[str, str]:
        """The parsed query string."""
        query: bytes | None = self.scope.get("query_string")
        return parse_query(query) if query else EMPTY

    def _input_stream(self) -> t.IO[bytes]:
        if self._body is None:
            raise RequestEntityTooLarge()
        return io.BytesIO(self._body)

    def _read_body(self, form_limit: int | None = None) -> bytes:
        # The body was read, within max_content_length, before dispatch.
        if "stream" in self.__dict__:
            return self.stream.read()
        if self._body is None:
            raise RequestEntityTooLarge()
        return self._body

    @lazy
    def environ(self) -> dict[str, t.Any]:
        """A WSGI environ equivalent to the scope, for code that wants one."""
        return environ_from_scope(self.scope, self._body or b"")


def environ_from_scope(scope: dict[str, t.Any], body: bytes) -> dict[str, t.Any]:
    """Build a WSGI environ from an ASGI HTTP scope and its body."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    environ: dict[str, t.Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode().decode("latin-1"),
        "PATH_INFO": scope["path"].encode().decode("latin-1"),
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "asgi.scope": scope,
    }
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").upper().replace("-", "_")
        value = raw_value.decode("latin-1")
        if name not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = f"HTTP_{name}"
        if name in environ:
            value = f"{environ[name]}{'; ' if name == 'HTTP_COOKIE' else ','}{value}"
        environ[name] = value
    return environ


def scope_from_environ(environ: dict[str, t.Any]) -> dict[str, t.Any]:
    """Build an ASGI HTTP scope from a WSGI environ (used by the test client)."""
    headers = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            name = key.replace("_", "-").lower()
        else:
            continue
        headers.append((name.encode("latin-1"), str(value).encode("latin-1")))
    path_bytes = environ.get("PATH_INFO", "").encode("latin-1")
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": environ.get("SERVER_PROTOCOL", "HTTP/1.1").partition("/")[2] or "1.1",
        "method": environ["REQUEST_METHOD"],
        "scheme": environ.get("wsgi.url_scheme", "http"),
        "path": path_bytes.decode("utf-8", "replace"),
        "raw_path": quote(path_bytes, safe="/").encode("ascii"),
        "query_string": environ.get("QUERY_STRING", "").encode("latin-1"),
        "root_path": environ.get("SCRIPT_NAME", "").encode("latin-1").decode("utf-8", "replace"),
        "headers": headers,
        "client": (environ.get("REMOTE_ADDR", "127.0.0.1"), int(environ.get("REMOTE_PORT") or 0)),
        "server": (environ.get("SERVER_NAME", "localhost"), int(environ.get("SERVER_PORT") or 80)),
    }


async def serve(app: Vial, scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
    """The ASGI 3 application: handle one connection scope with ``app``.

    It is ``Vial.asgi_app``. A request for an ``async def`` view is served in
    this one coroutine, from the scope to the response messages: a helper
    coroutine costs about 1.7k instructions, 3% of a small request. A sync
    view runs, with its hooks, in a worker thread (``Vial._handle``).
    """
    if scope["type"] != "http":
        await _serve_other(app, scope, receive, send)
        return
    request = (app._asgi_request_class or _request_class(app))(scope, b"", app)
    names = request._header_map
    if (
        request.method not in _BODILESS_METHODS
        # A GET or HEAD that declares a body still gets it read.
        or b"content-length" in names
        or b"transfer-encoding" in names
    ):
        # Most bodies come in one message, taken here.
        message = await receive()
        if message.get("more_body", False) or message["type"] != "http.request":
            try:
                request._body = await _read_body(app, request, receive, message)
            except _Disconnected:
                return
        else:
            body = message.get("body", b"")
            limit = app.config["MAX_CONTENT_LENGTH"]
            # Too large: None, a 413 when the body is used.
            request._body = body if limit is None or len(body) <= limit else None
    ctx = RequestContext(app, request)
    if "vial.preserve_context" in scope:
        ctx._preserve = scope["vial.preserve_context"]
    if not app._got_first_request:
        if not app._serving:
            # No lifespan from the server: run before_serving here, on the loop,
            # and after_serving at interpreter exit, as under WSGI.
            await app._start_serving_async()
            app._stop_serving_at_exit()
        app._freeze()
    app._match_request(request)
    rule = request.url_rule
    endpoint = rule.endpoint if rule is not None else None
    if not (app._async_views.get(endpoint) or _is_async_view(app, endpoint)):
        response = await run_in_thread(app._handle, ctx)
    else:
        # Vial._handle and _full_dispatch, with hooks and view awaited.
        error: BaseException | None = None
        ctx.push()
        try:
            try:
                plan = app._async_endpoint_plans.get(endpoint) or app._request_plan(rule, True)
                try:
                    if signals.request_started.receivers:
                        signals.request_started.send(app)
                    rv = None
                    for func in plan.value_preprocessors:
                        await func(endpoint, request.view_args)
                    for func in plan.before:
                        rv = await func()
                        if rv is not None:
                            break
                    if rv is None:
                        exc = request.routing_exception
                        if exc is not None:
                            if not app._plain_routing_errors or isinstance(exc, RequestRedirect):
                                app.raise_routing_exception(request)
                            rv = await app._handle_user_exception_async(exc)
                        elif rule.provide_automatic_options and request.method == "OPTIONS":  # type: ignore[union-attr]
                            rv = app.make_default_options_response()
                        else:
                            args = request.view_args
                            view = app.view_functions[endpoint]  # type: ignore[index]
                            rv = view(**args) if args else view()
                            if type(rv) is CoroutineType:
                                rv = await rv
                except Exception as e:
                    rv = await app._handle_user_exception_async(e)
                if plan.after or ctx._after_request_functions:
                    response = await app._finalize_async(ctx, rv, plan)
                else:
                    # _finalize_async with no after-request function to run.
                    if type(rv) is str and app._fast_text:
                        response = _text_response(rv.encode(), 200, _HTML)
                    else:
                        response = app._response_for(rv)
                    if ctx._session is not None or request._has_cookie_header():
                        app._save_session(ctx, response)
                    if signals.request_finished.receivers:
                        signals.request_finished.send(app, response=response)
            except Exception as e:
                error = e
                response = await app._handle_exception_async(e)
        except BaseException as e:
            error = e
            raise
        finally:
            if ctx._preserve is not None:
                ctx._preserve(ctx)
            if error is not None and app.should_ignore_error(error):
                error = None
            ctx._async_teardown = True  # pop() leaves only the signals to send
            try:
                if not app._quiet_teardown:
                    await _teardown(app, ctx, error)
            finally:
                ctx.pop(error)
    chunks = response.response
    if type(chunks) is list and response._on_close is None:
        # The common cases, without the streaming machinery: a buffered body,
        # or none at all (204, 304, HEAD).
        code = response._status_code
        headers = response._headers_list
        if code == 204 or code == 304 or request.method == "HEAD":
            headers = bodiless_headers(response) or headers
            body = b""
        else:
            try:
                # A single chunk comes back from join as it is, without a copy.
                body = b"".join(chunks)
            except TypeError:
                body = b"".join(_encoded(chunks))
        await send(_start_message(code, headers))
        await send({"type": "http.response.body", "body": body})
    else:
        await send_response(response, request.method, send)


def _request_class(app: Vial) -> type[ASGIRequest]:
    """The class of the app's ASGI requests; kept once the app is set up."""
    cls = _asgi_class(app.request_class)
    if app._got_first_request:
        app._asgi_request_class = cls
    return cls


_combined: dict[type[Request], type[ASGIRequest]] = {}


def _asgi_class(request_class: type[Request]) -> type[ASGIRequest]:
    """``request_class`` (``Vial.request_class``, a WSGI request) made to read an ASGI scope.

    A subclass of :class:`Request` keeps its name and what it adds, on top of
    :class:`ASGIRequest`; a subclass of ``ASGIRequest`` is used as it is.
    """
    if issubclass(request_class, ASGIRequest):
        return request_class
    if request_class is Request:
        return ASGIRequest
    combined = _combined.get(request_class)
    if combined is None:
        namespace = {
            "__slots__": (),
            "__module__": request_class.__module__,
            "__qualname__": request_class.__qualname__,
            "__doc__": request_class.__doc__,
        }
        try:
            combined = type(request_class.__name__, (ASGIRequest, request_class), namespace)
        except TypeError:
            raise TypeError(
                f"request_class {request_class.__qualname__} cannot serve ASGI requests: its"
                " __slots__ conflict with ASGIRequest's. Remove its __slots__, or derive the"
                " class from vial.asgi.ASGIRequest to serve it over ASGI only."
            ) from None
        _combined[request_class] = combined
    return combined


async def _teardown(app: Vial, ctx: RequestContext, error: BaseException | None) -> None:
    """Await the teardown functions of a request served on the loop."""
    if app._has_teardown_funcs:
        for func in app._request_plan(ctx.request.url_rule, True).teardown:
            await func(error)
    if ctx._owns_app_context:
        for func in reversed(app.teardown_appcontext_funcs):
            await to_async(func)(error)


async def _serve_other(app: Vial, scope: dict[str, t.Any], receive: Receive, send: Send) -> None:
    kind = scope["type"]
    if kind == "lifespan":
        await _lifespan(app, receive, send)
    elif kind == "websocket":
        await _refuse_websocket(receive, send)
    else:
        raise ValueError(f"vial cannot handle ASGI scope type {kind!r}.")


async def _refuse_websocket(receive: Receive, send: Send) -> None:
    message = await receive()
    if message["type"] == "websocket.connect":
        await send({"type": "websocket.close", "code": 1003})


# A GET or HEAD request that declares no body has none to wait for (over HTTP/2 a
# POST may carry one without Content-Length, so other methods always receive).
_BODILESS_METHODS = frozenset(("GET", "HEAD"))


async def _read_body(
    app: Vial, request: ASGIRequest, receive: Receive, first: Message
) -> bytes | None:
    """Read the rest of a body that came in several messages (``first`` is the first one);
    None when it is larger than ``MAX_CONTENT_LENGTH``."""
    limit: int | None = app.config["MAX_CONTENT_LENGTH"]
    declared = request._header_map.get(b"content-length")
    if limit is not None and declared is not None:
        try:
            if int(declared) > limit:
                return None
        except ValueError:
            pass
    chunks: list[bytes] = []
    size = 0
    message = first
    while True:
        if message["type"] == "http.disconnect":
            raise _Disconnected
        chunk = message.get("body", b"")
        if chunk:
            size += len(chunk)
            if limit is not None and size > limit:
                return None
            chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)
        message = await receive()


class _Disconnected(Exception):
    """The client went away before sending the whole body."""


def _is_async_view(app: Vial, endpoint: str | None) -> bool:
    """True when the request can be served on the event loop.

    With a view (``endpoint``): when it is ``async def`` or marked non-blocking.
    Without one (no rule matched, ``endpoint`` None): when every function the
    error response may run is ``async def``; otherwise the request goes to a
    worker thread, so that sync hooks share one thread (a database connection
    opened in ``before_request`` is closed by the same thread at teardown).
    """
    cache = app._async_views
    result = cache.get(endpoint)
    if result is None:
        if endpoint is None:
            result = all(is_async_callable(func) for func in _app_level_functions(app))
        else:
            view = app.view_functions[endpoint]
            result = is_async_callable(view) or getattr(view, "_vial_nonblocking", False)
        cache[endpoint] = result
    return result


def _app_level_functions(app: Vial) -> Iterator[t.Callable[..., t.Any]]:
    """The hooks, teardown functions and error handlers registered on the app itself."""
    for registry in (
        app.url_value_preprocessors,
        app.before_request_funcs,
        app.after_request_funcs,
        app.teardown_request_funcs,
    ):
        yield from registry.get(None, ())
    yield from app.teardown_appcontext_funcs
    for handlers in app.error_handler_spec.get(None, {}).values():
        yield from handlers.values()


async def send_response(response: Response, method: str, send: Send) -> None:
    """Send ``response`` as ASGI messages, streaming iterables chunk by chunk.

    ``serve`` sends a buffered body (a list and no ``call_on_close``) itself.
    """
    headers = bodiless_headers(response)
    await send(_start_message(response._status_code, headers or response._headers_list))
    body = response.response
    if headers is not None or method == "HEAD":
        await send({"type": "http.response.body", "body": b""})
        response.close()
        return
    try:
        if isinstance(body, AsyncIterable):
            async for chunk in body:
                await _send_chunk(send, chunk)
        elif type(body) is list:
            for chunk in body:
                await _send_chunk(send, chunk)
        else:
            await _stream_sync(body, send)
        await send({"type": "http.response.body", "body": b""})
    finally:
        await run_in_thread(response.close)


def _python_start_message(status: int, headers: list[tuple[str, str]]) -> Message:
    """The ``http.response.start`` message: status and headers as bytes.

    The pure-Python version of ``vial._speedups.start_message``.
    """
    raw: list[tuple[bytes, bytes]] = []
    # A loop costs less than a list comprehension's function call for a few headers.
    for name, value in headers:
        raw.append((_header_names.get(name) or _header_name(name), value.encode("latin-1")))
    return {"type": "http.response.start", "status": status, "headers": raw}


def _python_header_map(headers: t.Iterable[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    found: dict[bytes, bytes] = {}
    for name, value in headers:
        if not isinstance(name, bytes) or not isinstance(value, bytes):
            kind = type(value if isinstance(name, bytes) else name).__name__
            raise TypeError(f"an ASGI header name and value must be bytes, not {kind}")
        earlier = found.get(name)
        if earlier is not None:
            value = earlier + (b"; " if name == b"cookie" else b", ") + value
        found[name] = value
    return found


_map_headers = compiled_or(_python_header_map, "header_map")


def _header_name(name: str) -> bytes:
    """``name`` encoded, remembered while fewer than 512 distinct names were seen."""
    raw = name.encode("latin-1")
    if len(_header_names) < 512:
        _header_names[name] = raw
    return raw


_start_message = compiled_or(_python_start_message, "start_message")


def _encoded(chunks: Iterable[str | bytes]) -> Iterable[bytes]:
    """The chunks of a body with text encoded as UTF-8."""
    return [chunk.encode() if isinstance(chunk, str) else chunk for chunk in chunks]


async def _send_chunk(send: Send, chunk: str | bytes) -> None:
    if isinstance(chunk, str):
        chunk = chunk.encode()
    if chunk:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})


async def _stream_sync(body: Iterable[str | bytes], send: Send) -> None:
    """Iterate a sync iterable in worker threads, a chunk at a time."""
    iterator = iter(body)
    done = object()
    while True:
        chunk = await run_in_thread(next, iterator, done)
        if chunk is done:
            return
        await _send_chunk(send, chunk)


async def _lifespan(app: Vial, receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await app._start_serving_async()
            except Exception as e:
                await send(
                    {"type": "lifespan.startup.failed", "message": f"{type(e).__name__}: {e}"}
                )
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await app._stop_serving_async()
            except Exception as e:
                await send(
                    {"type": "lifespan.shutdown.failed", "message": f"{type(e).__name__}: {e}"}
                )
                return
            await send({"type": "lifespan.shutdown.complete"})
            return
