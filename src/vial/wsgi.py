"""The WSGI adapter: environ in, status, headers and body out."""

from __future__ import annotations

import typing as t
from collections.abc import Iterable, Iterator

from werkzeug.wsgi import ClosingIterator

from .ctx import RequestContext
from .response import Response, _known_status_line, bodiless_headers, status_line

if t.TYPE_CHECKING:
    from .app import Vial

__all__ = ["send_response", "serve"]


def serve(
    app: Vial, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
) -> Iterable[bytes]:
    """Handle one WSGI request with ``app``."""
    ctx = RequestContext(app, app.request_class(environ, app))
    if "werkzeug.debug.preserve_context" in environ:
        ctx._preserve = environ["werkzeug.debug.preserve_context"]
    return send_response(app._handle(ctx), environ, start_response)


def send_response(
    response: Response, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
) -> Iterable[bytes]:
    """Start the WSGI response and return the body iterable."""
    code = response._status_code
    status = response._status or _known_status_line(code) or status_line(code)
    if code == 204 or code == 304 or environ.get("REQUEST_METHOD") == "HEAD":
        start_response(status, bodiless_headers(response) or response._headers_list)
        response.close()
        return ()
    start_response(status, response._headers_list)
    body = response.response
    if type(body) is list and response._on_close is None:
        return body
    if response.direct_passthrough:
        return ClosingIterator(body, response.close) if response._on_close else body
    return ClosingIterator(_encode(body), response.close)


def _encode(body: Iterable[str | bytes]) -> Iterator[bytes]:
    for chunk in body:
        yield chunk.encode() if isinstance(chunk, str) else chunk
