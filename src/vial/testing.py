"""The test client and CLI runner, built on Werkzeug's test utilities.

``app.test_client()`` drives the app through WSGI; ``use_asgi=True`` drives
the same app through its ASGI interface on an event loop, so one test can
check both paths.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import typing as t
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from urllib.parse import urlsplit

import werkzeug.test
from click.testing import CliRunner, Result
from werkzeug.test import TestResponse as _WerkzeugTestResponse

from .asgi import scope_from_environ

if t.TYPE_CHECKING:
    from .app import Vial
    from .ctx import RequestContext
    from .sessions import SessionMixin

__all__ = ["EnvironBuilder", "TestResponse", "VialCliRunner", "VialClient"]


class EnvironBuilder(werkzeug.test.EnvironBuilder):
    """Werkzeug's ``EnvironBuilder`` with defaults from the app's config.

    The host comes from ``SERVER_NAME`` (else ``localhost``), the root from
    ``APPLICATION_ROOT``, the scheme from ``PREFERRED_URL_SCHEME``, and
    ``json=`` is serialized with ``app.json``.
    """

    def __init__(
        self,
        app: Vial,
        path: str = "/",
        base_url: str | None = None,
        subdomain: str | None = None,
        url_scheme: str | None = None,
        *args: t.Any,
        **kwargs: t.Any,
    ) -> None:
        if base_url is not None and (subdomain or url_scheme):
            raise ValueError("Cannot pass 'subdomain' or 'url_scheme' with 'base_url'.")
        if base_url is None:
            host = app.config.get("SERVER_NAME") or "localhost"
            if subdomain:
                host = f"{subdomain}.{host}"
            parts = urlsplit(path)
            scheme = parts.scheme or url_scheme or app.config["PREFERRED_URL_SCHEME"]
            root = app.config["APPLICATION_ROOT"].lstrip("/")
            base_url = f"{scheme}://{parts.netloc or host}/{root}"
            path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.app = app
        super().__init__(path, base_url, *args, **kwargs)

    def json_dumps(self, obj: t.Any, **kwargs: t.Any) -> str:
        """Serialize ``json=`` data with the app's JSON provider."""
        return self.app.json.dumps(obj, **kwargs)


class TestResponse(_WerkzeugTestResponse):
    """The response the test client returns: ``status_code``, ``data``, ``text``,
    ``json``, ``headers``, ``history`` and ``request``."""

    __test__ = False


class _ASGIBridge:
    """A WSGI callable that serves each request through the app's ASGI interface."""

    def __init__(self, app: Vial) -> None:
        self.app = app
        self.started = False

    def __call__(
        self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
    ) -> list[bytes]:
        if not self.started:
            self.started = True
            asyncio.run(self.app._start_serving_async())
        status, headers, body = asyncio.run(self._request(environ))
        start_response(status, headers)
        return [body]

    async def _request(self, environ: dict[str, t.Any]) -> tuple[str, list[tuple[str, str]], bytes]:
        from .response import status_line

        scope = scope_from_environ(environ)
        preserve = environ.get("werkzeug.debug.preserve_context")
        if preserve is not None:
            scope["vial.preserve_context"] = preserve
        stream = environ["wsgi.input"]
        body = stream.read()
        if getattr(stream, "seekable", lambda: False)():
            # A followed 307 or 308 redirect sends the same stream again.
            stream.seek(0)
        sent = False
        out: dict[str, t.Any] = {"body": []}

        async def receive() -> dict[str, t.Any]:
            nonlocal sent
            if sent:
                await asyncio.sleep(3600)
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, t.Any]) -> None:
            if message["type"] == "http.response.start":
                out["status"] = message["status"]
                out["headers"] = [
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]
                ]
            elif message["type"] == "http.response.body":
                out["body"].append(message.get("body", b""))

        await self.app(scope, receive, send)
        return status_line(out["status"]), out["headers"], b"".join(out["body"])

    def close(self) -> None:
        if self.started:
            self.started = False
            asyncio.run(self.app._stop_serving_async())


class VialClient(werkzeug.test.Client):
    """The test client ``app.test_client()`` returns.

    ``get/post/put/patch/delete/head/options/open`` take Werkzeug's
    ``EnvironBuilder`` arguments (``data``, ``json``, ``headers``,
    ``query_string``, ``content_type``, ...) plus ``follow_redirects``.
    Cookies persist between requests. Inside ``with client:`` the last
    request's context stays active, so ``request`` and ``session`` can be
    inspected after the call.
    """

    application: Vial

    def __init__(
        self, app: Vial, use_cookies: bool = True, use_asgi: bool = False, **kwargs: t.Any
    ) -> None:
        super().__init__(app, TestResponse, use_cookies=use_cookies, **kwargs)
        self.preserve_context = False
        self._new_contexts: list[RequestContext] = []
        self._context_stack = ExitStack()
        self._bridge = _ASGIBridge(app) if use_asgi else None
        self.environ_base = {
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_USER_AGENT": f"Werkzeug/{importlib.metadata.version('werkzeug')}",
        }

    def run_wsgi_app(
        self, environ: dict[str, t.Any], buffered: bool = False
    ) -> tuple[t.Iterable[bytes], str, werkzeug.datastructures.Headers]:
        """Run the app for ``environ`` (over ASGI when ``use_asgi``), keeping cookies."""
        if self._bridge is None:
            return super().run_wsgi_app(environ, buffered)
        self._add_cookies_to_wsgi(environ)
        rv = werkzeug.test.run_wsgi_app(self._bridge, environ, buffered=buffered)
        url = urlsplit(werkzeug.wsgi.get_current_url(environ))
        self._update_cookies_from_response(
            url.hostname or "localhost", url.path, rv[2].getlist("Set-Cookie")
        )
        return rv

    def _copy_environ(self, other: dict[str, t.Any]) -> dict[str, t.Any]:
        out = {**self.environ_base, **other}
        if self.preserve_context:
            out["werkzeug.debug.preserve_context"] = self._new_contexts.append
        return out

    def _request_from_builder_args(
        self, args: tuple[t.Any, ...], kwargs: dict[str, t.Any]
    ) -> werkzeug.wrappers.Request:
        kwargs["environ_base"] = self._copy_environ(kwargs.get("environ_base", {}))
        builder = EnvironBuilder(self.application, *args, **kwargs)
        try:
            return builder.get_request()
        finally:
            builder.close()

    def open(
        self,
        *args: t.Any,
        buffered: bool = False,
        follow_redirects: bool = False,
        **kwargs: t.Any,
    ) -> TestResponse:
        """Make a request; the arguments are those of :class:`EnvironBuilder`."""
        first = args[0] if args else None
        if isinstance(first, werkzeug.test.EnvironBuilder):
            first.environ_base = self._copy_environ(dict(first.environ_base or {}))
            request = first.get_request()
        elif isinstance(first, dict):
            request = werkzeug.test.EnvironBuilder.from_environ(
                first, environ_base=self._copy_environ({})
            ).get_request()
        elif isinstance(first, werkzeug.wrappers.Request):
            request = first
            request.environ = self._copy_environ(request.environ)
        else:
            request = self._request_from_builder_args(args, kwargs)
        self._context_stack.close()
        response = super().open(request, buffered=buffered, follow_redirects=follow_redirects)
        response.json_module = self.application.json  # type: ignore[assignment]
        # In request order, so after redirects the last request's context is current.
        for ctx in self._new_contexts:
            self._context_stack.enter_context(ctx)
        self._new_contexts.clear()
        return t.cast(TestResponse, response)

    @contextmanager
    def session_transaction(self, *args: t.Any, **kwargs: t.Any) -> Iterator[SessionMixin]:
        """Open the client's session for editing; it is saved back to the cookie jar.

        >>> with client.session_transaction() as sess:
        ...     sess["user_id"] = 1
        """
        if self._cookies is None:
            raise TypeError("Cookies are disabled. Create a client with 'use_cookies=True'.")
        app = self.application
        ctx = app.test_request_context(*args, **kwargs)
        self._add_cookies_to_wsgi(ctx.request.environ)
        with ctx:
            session = app.session_interface.open_session(app, ctx.request)
        if session is None:
            raise RuntimeError("Session backend did not open a session.")
        yield session
        if app.session_interface.is_null_session(session):
            return
        response = app.response_class()
        with ctx:
            app.session_interface.save_session(app, session, response)
        self._update_cookies_from_response(
            ctx.request.host.partition(":")[0],
            ctx.request.path,
            response.headers.getlist("Set-Cookie"),
        )

    def __enter__(self) -> VialClient:
        if self.preserve_context:
            raise RuntimeError("Cannot nest client invocations")
        self.preserve_context = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.preserve_context = False
        self._context_stack.close()

    def close(self) -> None:
        """Stop the ASGI event loop the client runs, if any (runs ``after_serving``)."""
        if self._bridge is not None:
            self._bridge.close()


class VialCliRunner(CliRunner):
    """A click runner for the app's commands: ``app.test_cli_runner().invoke(args=[...])``."""

    def __init__(self, app: Vial, **kwargs: t.Any) -> None:
        self.app = app
        super().__init__(**kwargs)

    def invoke(  # type: ignore[override]
        self, cli: t.Any = None, args: t.Any = None, **kwargs: t.Any
    ) -> Result:
        """Invoke ``cli`` (the app's ``vial`` command by default) with ``args``."""
        if cli is None:
            cli = self.app.cli
        if "obj" not in kwargs:
            from .cli import ScriptInfo

            kwargs["obj"] = ScriptInfo(create_app=lambda: self.app)
        return super().invoke(cli, args, **kwargs)
