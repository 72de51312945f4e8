"""The response object: status, headers and body a view sends back.

The headers live in a plain list of ``(name, value)`` tuples that the server
adapters read directly; a Werkzeug ``Headers`` view over that same list is
created only when ``response.headers`` is used.
"""

from __future__ import annotations

import json as _json
import re
import typing as t
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from werkzeug import http
from werkzeug.datastructures import Headers, HeaderSet, ResponseCacheControl
from werkzeug.utils import get_content_type

from .ctx import _current_ctx

__all__ = ["Response"]

#: ``cls.__new__(cls)`` without the attribute lookup on a class, which Python 3.11
#: does not specialise.
_new = object.__new__

#: The Content-Type of a view's str: Flask's default mimetype and charset.
_HTML = "text/html; charset=utf-8"

_STATUS_LINES: dict[int, str] = {
    code: f"{code} {phrase.upper()}" for code, phrase in http.HTTP_STATUS_CODES.items()
}


#: The status line of a known code, else None: ``_STATUS_LINES.get`` read once
#: (a module that imports the dict would look ``get`` up unspecialised each call).
_known_status_line = _STATUS_LINES.get


def status_line(code: int) -> str:
    """Return the WSGI status line for ``code``, e.g. ``'404 NOT FOUND'``."""
    line = _STATUS_LINES.get(code)
    return line if line is not None else f"{code} UNKNOWN"


def bodiless_headers(response: Response) -> list[tuple[str, str]] | None:
    """For a 204 or 304 response, the headers to send with no body; None otherwise."""
    code = response._status_code
    if code != 204 and code != 304:
        return None
    if code == 304:
        return response._headers_list
    return [(k, v) for k, v in response._headers_list if k.lower() != "content-length"]


def _wrap_headers(items: list[tuple[str, str]]) -> Headers:
    headers = Headers()
    headers._list = items
    return headers


def _header_property(name: str, doc: str, read_only: bool = False) -> t.Any:
    def fget(self: Response) -> str | None:
        return self._get_header(name)

    def fset(self: Response, value: str | None) -> None:
        if value is None:
            self.headers.pop(name, None)
        else:
            self.headers[name] = value

    return property(fget, None if read_only else fset, doc=doc)


def _date_property(name: str, doc: str) -> t.Any:
    def fget(self: Response) -> datetime | None:
        return http.parse_date(self._get_header(name))

    def fset(self: Response, value: datetime | int | float | str | None) -> None:
        if value is None:
            self.headers.pop(name, None)
        elif isinstance(value, str):
            self.headers[name] = value
        else:
            self.headers[name] = http.http_date(value)

    return property(fget, fset, doc=doc)


def _header_set_property(name: str, doc: str) -> t.Any:
    def fget(self: Response) -> HeaderSet:
        def on_update(header_set: HeaderSet) -> None:
            if header_set:
                self.headers[name] = header_set.to_header()
            else:
                self.headers.pop(name, None)

        return http.parse_set_header(self._get_header(name), on_update)

    def fset(self: Response, value: str | Iterable[str] | None) -> None:
        if not value:
            self.headers.pop(name, None)
        elif isinstance(value, str):
            self.headers[name] = value
        else:
            self.headers[name] = http.dump_header(list(value))

    return property(fget, fset, doc=doc)


# Cookie values Werkzeug's ``dump_cookie`` writes as they are, without quotes.
_plain_cookie = re.compile(r"[\w!#$%&'()*+\-./:<=>?@\[\]^`{|}~]*", re.ASCII).fullmatch
#: The ``; Path=/; HttpOnly`` ... tail of ``Set-Cookie`` by cookie options.
_cookie_attributes: dict[tuple[t.Any, ...], str] = {}


def _format_cookie_attributes(
    path: str | None,
    domain: str | None,
    secure: bool,
    httponly: bool,
    samesite: str | None,
    partitioned: bool,
) -> str:
    """The attributes ``dump_cookie`` writes after ``name=value`` when no expiry is set."""
    # Formatted by Werkzeug itself, so the fast path writes the same header.
    header = http.dump_cookie(
        "c",
        path=path,
        domain=domain,
        secure=secure,
        httponly=httponly,
        samesite=samesite,
        partitioned=partitioned,
        max_size=0,
    )
    attributes = header[2:]
    if len(_cookie_attributes) >= 64:
        _cookie_attributes.clear()
    _cookie_attributes[(path, domain, secure, httponly, samesite, partitioned)] = attributes
    return attributes


class Response:
    """An HTTP response.

    ``response`` is the body: ``str`` (encoded as UTF-8), ``bytes``, or an
    iterable of either, which is streamed. ``status`` is an int or a string
    such as ``'404'`` or ``'299 Custom'``. ``headers`` is a dict, a list of
    tuples or a ``Headers`` object.

    >>> Response("Hello", 201, {"X-Id": "1"}).status
    '201 CREATED'
    """

    # _status and _on_close are slots, not class defaults: the servers read
    # them for every response, and Python 3.11 specialises reading a slot,
    # not a class attribute read through an instance.
    __slots__ = ("__dict__", "_headers_list", "_on_close", "_status", "_status_code", "response")

    # Rarely changed: a class default, overridden in the instance dict when set.
    _headers: Headers | None = None
    #: Send the body iterable as it is (a file wrapper, say), without encoding.
    direct_passthrough = False

    default_status = 200
    default_mimetype: str | None = "text/html"
    #: Set ``Content-Length`` when the body is a sequence of known length.
    automatically_set_content_length = True
    #: Make a relative ``Location`` absolute (off, as in Flask 3).
    autocorrect_location_header = False

    @property
    def max_cookie_size(self) -> int:
        """The largest ``Set-Cookie`` value before a warning: ``MAX_COOKIE_SIZE`` (0 disables)."""
        try:
            return int(_current_ctx().app.config["MAX_COOKIE_SIZE"])
        except RuntimeError:
            return 4093

    json_module: t.Any = _json

    def __init__(
        self,
        response: str | bytes | Iterable[str] | Iterable[bytes] | None = None,
        status: int | str | None = None,
        headers: t.Any = None,
        mimetype: str | None = None,
        content_type: str | None = None,
        direct_passthrough: bool = False,
    ) -> None:
        if content_type is None:
            if mimetype is None:
                mimetype = self.default_mimetype
            content_type = get_content_type(mimetype, "utf-8") if mimetype else None
        items: list[tuple[str, str]] = []
        self._headers_list = items
        self._status: str | None = None
        self._on_close: list[t.Callable[[], t.Any]] | None = None
        if headers is not None:
            self.headers.extend(headers)
            if "Content-Type" in self.headers:
                content_type = None
        if content_type is not None:
            items.append(("Content-Type", content_type))
        self._status_code = self.default_status
        if status is not None:
            self.status = status
        if direct_passthrough:
            self.direct_passthrough = True
        if response is None:
            self.response: Iterable[bytes] = []
        elif isinstance(response, (str, bytes, bytearray)):
            self.set_data(response)
        elif type(response) is list:
            # Servers are handed a list as it is: its text is encoded here, once.
            self.response = [c.encode() if isinstance(c, str) else c for c in response]
        else:
            self.response = response  # type: ignore[assignment]

    @classmethod
    def _text(cls, body: bytes, status: int, content_type: str) -> Response:
        """Build a buffered response without argument checks (the request-path fast lane)."""
        self = _new(cls)
        self._headers_list = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        self._status_code = status
        self._status = self._on_close = None
        self.response = [body]
        return self

    @classmethod
    def _raw(cls, body: Iterable[bytes], status: int, headers: list[tuple[str, str]]) -> Response:
        """Build a response from trusted parts, skipping validation and argument parsing."""
        self = _new(cls)
        self._headers_list = headers
        self._status_code = status
        self._status = self._on_close = None
        self.response = body
        return self

    # -- status

    @property
    def status_code(self) -> int:
        """The numeric status code."""
        return self._status_code

    @status_code.setter
    def status_code(self, code: int) -> None:
        self._status_code = code
        self._status = None

    @property
    def status(self) -> str:
        """The status line, e.g. ``'200 OK'``."""
        return self._status or status_line(self._status_code)

    @status.setter
    def status(self, value: int | str) -> None:
        if isinstance(value, int):
            self.status_code = int(value)
            return
        if not isinstance(value, str):
            raise TypeError("The status must be an int or a string, such as '404 NOT FOUND'.")
        value = value.strip()
        if not value:
            raise ValueError("The status must not be empty.")
        code, _, reason = value.partition(" ")
        try:
            self._status_code = int(code)
        except ValueError:
            self._status_code = 0
            self._status = f"0 {value}"
            return
        self._status = f"{code} {reason}" if reason else status_line(self._status_code)

    # -- headers

    @property
    def headers(self) -> Headers:
        """The response headers, a Werkzeug ``Headers`` object."""
        headers = self._headers
        if headers is None:
            headers = self._headers = _wrap_headers(self._headers_list)
        return headers

    @headers.setter
    def headers(self, value: t.Any) -> None:
        if not isinstance(value, Headers):
            value = Headers(value)
        self._headers = value
        self._headers_list = value._list

    def _get_header(self, name: str) -> str | None:
        lname = name.lower()
        for key, value in self._headers_list:
            if key.lower() == lname:
                return value
        return None

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header."""
        return self._get_header("Content-Type")

    @content_type.setter
    def content_type(self, value: str | None) -> None:
        if value is None:
            self.headers.pop("Content-Type", None)
        else:
            self.headers["Content-Type"] = value

    @property
    def mimetype(self) -> str | None:
        """The media type without parameters, e.g. ``'text/html'``."""
        ct = self.content_type
        return ct.split(";")[0].strip().lower() if ct else None

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.headers["Content-Type"] = get_content_type(value, "utf-8")

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The parameters of ``Content-Type``, e.g. ``{'charset': 'utf-8'}``."""
        return http.parse_options_header(self.content_type)[1]

    @property
    def content_length(self) -> int | None:
        """The ``Content-Length`` header as an int."""
        value = self._get_header("Content-Length")
        try:
            return int(value) if value is not None else None
        except ValueError:
            return None

    @content_length.setter
    def content_length(self, value: int | None) -> None:
        if value is None:
            self.headers.pop("Content-Length", None)
        else:
            self.headers["Content-Length"] = str(value)

    location = _header_property("Location", "The ``Location`` header (where a redirect goes).")
    content_encoding = _header_property("Content-Encoding", "The ``Content-Encoding`` header.")
    content_language = _header_property("Content-Language", "The ``Content-Language`` header.")
    content_location = _header_property("Content-Location", "The ``Content-Location`` header.")
    last_modified = _date_property("Last-Modified", "The ``Last-Modified`` header as a datetime.")
    expires = _date_property("Expires", "The ``Expires`` header as a datetime.")
    date = _date_property("Date", "The ``Date`` header as a datetime.")
    vary = _header_set_property("Vary", "The ``Vary`` header as a mutable set.")
    allow = _header_set_property("Allow", "The ``Allow`` header as a mutable set.")
    content_security_policy = _header_property(
        "Content-Security-Policy", "The ``Content-Security-Policy`` header."
    )

    @property
    def age(self) -> timedelta | None:
        """The ``Age`` header as a timedelta."""
        value = self._get_header("Age")
        return http.parse_age(value) if value else None

    @age.setter
    def age(self, value: timedelta | int | None) -> None:
        if value is None:
            self.headers.pop("Age", None)
        else:
            self.headers["Age"] = http.dump_age(value)

    @property
    def cache_control(self) -> ResponseCacheControl:
        """The ``Cache-Control`` header; changing it updates the header."""
        cached = self.__dict__.get("_cache_control")
        if cached is not None:
            return cached  # type: ignore[no-any-return]

        def on_update(cache_control: ResponseCacheControl) -> None:
            if cache_control:
                self.headers["Cache-Control"] = cache_control.to_header()
            else:
                self.headers.pop("Cache-Control", None)

        cached = http.parse_cache_control_header(
            self._get_header("Cache-Control"),
            on_update,  # type: ignore[arg-type]
            ResponseCacheControl,
        )
        self.__dict__["_cache_control"] = cached
        return cached

    # -- cookies

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: timedelta | int | None = None,
        expires: str | datetime | int | float | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header.

        ``max_age`` is seconds or a timedelta; ``expires`` a datetime or a
        timestamp; ``samesite`` is ``'Strict'``, ``'Lax'`` or ``'None'``.
        """
        if (
            max_age is None
            and expires is None
            # 1 and True compare equal as keys below, but Werkzeug writes "Secure=1".
            and type(secure) is bool
            and type(httponly) is bool
            and type(partitioned) is bool
            and key.isascii()
            and _plain_cookie(value)
        ):
            # No expiry and a value that needs no quoting: only the attributes need
            # formatting, and they are the same from one response to the next.
            options = (path, domain, secure, httponly, samesite, partitioned)
            attributes = _cookie_attributes.get(options)
            if attributes is None:
                attributes = _format_cookie_attributes(*options)
            header = f"{key}={value}{attributes}"
            max_size = self.max_cookie_size
            if not max_size or len(header) <= max_size:
                self._headers_list.append(("Set-Cookie", header))
                return
        self._headers_list.append(
            (
                "Set-Cookie",
                http.dump_cookie(
                    key,
                    value=value,
                    max_age=max_age,
                    expires=expires,
                    path=path,
                    domain=domain,
                    secure=secure,
                    httponly=httponly,
                    max_size=self.max_cookie_size,
                    samesite=samesite,
                    partitioned=partitioned,
                ),
            )
        )

    def delete_cookie(
        self,
        key: str,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Tell the client to delete cookie ``key`` (it must match the cookie's path and domain)."""
        self.set_cookie(
            key,
            expires=0,
            max_age=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    # -- ETags

    def set_etag(self, etag: str, weak: bool = False) -> None:
        """Set the ``ETag`` header, quoting ``etag``."""
        self.headers["ETag"] = http.quote_etag(etag, weak)

    def get_etag(self) -> tuple[str, bool] | tuple[None, None]:
        """Return ``(etag, is_weak)`` from the ``ETag`` header, or ``(None, None)``."""
        return http.unquote_etag(self._get_header("ETag"))

    def add_etag(self, overwrite: bool = False, weak: bool = False) -> None:
        """Set an ``ETag`` computed from the body, unless one is set and not ``overwrite``."""
        if overwrite or self._get_header("ETag") is None:
            self.set_etag(http.generate_etag(self.get_data()), weak)  # type: ignore[arg-type]

    def make_conditional(
        self,
        request_or_environ: t.Any,
        accept_ranges: bool | str = False,
        complete_length: int | None = None,
    ) -> Response:
        """Answer conditional and range GET/HEAD requests from this response.

        Sets 304 (or 412 for a failed ``If-Match``) when the client's copy is
        current, and 206 with ``Content-Range`` for a satisfiable ``Range``
        (416 otherwise) when ``accept_ranges`` and ``complete_length`` are given.
        """
        environ = getattr(request_or_environ, "environ", request_or_environ)
        if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
            return self
        if self._get_header("Date") is None:
            self.headers["Date"] = http.http_date()
        if accept_ranges is True:
            accept_ranges = "bytes"
        partial = False
        if accept_ranges:
            self.headers["Accept-Ranges"] = accept_ranges
            partial = self._apply_range(environ, complete_length)
        if not partial and not http.is_resource_modified(
            environ, self._get_header("ETag"), None, self._get_header("Last-Modified")
        ):
            if http.parse_etags(environ.get("HTTP_IF_MATCH")):
                self.status_code = 412
            else:
                self.status_code = 304
        if self.automatically_set_content_length and self._get_header("Content-Length") is None:
            length = self.calculate_content_length()
            if length is not None:
                self.headers["Content-Length"] = str(length)
        return self

    def _apply_range(self, environ: dict[str, t.Any], complete_length: int | None) -> bool:
        from werkzeug.exceptions import RequestedRangeNotSatisfiable

        if "HTTP_RANGE" not in environ or complete_length is None:
            return False
        if "HTTP_IF_RANGE" in environ and http.is_resource_modified(
            environ,
            self._get_header("ETag"),
            None,
            self._get_header("Last-Modified"),
            ignore_if_range=False,
        ):
            return False
        if complete_length == 0:
            raise RequestedRangeNotSatisfiable(complete_length)
        parsed = http.parse_range_header(environ.get("HTTP_RANGE"))
        if parsed is None:
            raise RequestedRangeNotSatisfiable(complete_length)
        span = parsed.range_for_length(complete_length)
        content_range = parsed.to_content_range_header(complete_length)
        if span is None or content_range is None:
            raise RequestedRangeNotSatisfiable(complete_length)
        if span == (0, complete_length):
            return False
        start, stop = span
        self.headers["Content-Range"] = content_range
        self.headers["Content-Length"] = str(stop - start)
        self.status_code = 206
        self.response = _byte_range(self.response, start, stop)
        return True

    # -- body

    @property
    def is_streamed(self) -> bool:
        """True when the body is an iterable of unknown length (a generator, say)."""
        return not isinstance(self.response, (list, tuple))

    @property
    def is_sequence(self) -> bool:
        """True when the body is a list or tuple of chunks."""
        return isinstance(self.response, (list, tuple))

    def set_data(self, value: str | bytes | bytearray) -> None:
        """Replace the body with ``value`` and update ``Content-Length``."""
        value = value.encode() if isinstance(value, str) else bytes(value)
        self.response = [value]
        if self.automatically_set_content_length:
            length = str(len(value))
            items = self._headers_list
            for i, (key, _) in enumerate(items):
                if key.lower() == "content-length":
                    items[i] = (key, length)
                    break
            else:
                items.append(("Content-Length", length))

    def get_data(self, as_text: bool = False) -> bytes | str:
        """Return the whole body, consuming a streamed body into memory first."""
        self._ensure_sequence()
        data = b"".join(self.iter_encoded())
        return data.decode() if as_text else data

    @property
    def data(self) -> bytes:
        """The body as bytes; setting it replaces the body."""
        return self.get_data()  # type: ignore[return-value]

    @data.setter
    def data(self, value: str | bytes) -> None:
        self.set_data(value)

    @property
    def text(self) -> str:
        """The body decoded as UTF-8."""
        return self.get_data(as_text=True)  # type: ignore[return-value]

    def _ensure_sequence(self) -> None:
        if not isinstance(self.response, list):
            close = getattr(self.response, "close", None)
            self.response = list(self.iter_encoded())
            if close is not None:
                # The stream (an open file, say) still needs closing with the response.
                self.call_on_close(close)

    def iter_encoded(self) -> Iterator[bytes]:
        """Iterate over the body as bytes."""
        for item in self.response:
            yield item.encode() if isinstance(item, str) else item

    def freeze(self) -> None:
        """Read a streamed body into memory and set ``Content-Length``."""
        self._ensure_sequence()
        self.headers["Content-Length"] = str(sum(map(len, self.response)))

    def calculate_content_length(self) -> int | None:
        """Return the body length when it is known without reading a stream."""
        if isinstance(self.response, list):
            return sum(len(item) for item in self.response)
        return None

    @property
    def is_json(self) -> bool:
        """True when the mimetype is JSON."""
        mt = self.mimetype or ""
        return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))

    @property
    def json(self) -> t.Any:
        """The body parsed as JSON, or None when the mimetype is not JSON."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False) -> t.Any:
        """Parse the body as JSON; None if the mimetype is not JSON and not ``force``."""
        if not (force or self.is_json):
            return None
        try:
            return self.json_module.loads(self.get_data())
        except ValueError:
            if not silent:
                raise
            return None

    # -- closing

    def call_on_close(self, func: t.Callable[[], t.Any]) -> t.Callable[[], t.Any]:
        """Run ``func`` when the server has sent the body and closes the response."""
        if self._on_close is None:
            self._on_close = []
        self._on_close.append(func)
        return func

    def close(self) -> None:
        """Close the body iterable, then run the ``call_on_close`` functions."""
        close = getattr(self.response, "close", None)
        if close is not None:
            close()
        if self._on_close:
            for func in self._on_close:
                func()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def __call__(
        self, environ: dict[str, t.Any], start_response: t.Callable[..., t.Any]
    ) -> Iterable[bytes]:
        """Serve this response as a WSGI application."""
        from .wsgi import send_response

        return send_response(self, environ, start_response)

    def __repr__(self) -> str:
        if self.is_sequence:
            body = f"{sum(len(x) for x in self.response)} bytes"
        else:
            body = "streamed" if self.is_streamed else "likely-streamed"
        return f"<{type(self).__name__} {body} [{self.status}]>"


def _byte_range(body: Iterable[bytes], start: int, stop: int) -> Iterator[bytes]:
    """Yield the bytes ``start:stop`` of ``body``, seeking when it wraps a file."""
    file = getattr(body, "file", None)
    position = 0
    if file is not None and hasattr(file, "seek"):
        file.seek(start)
        position = start
        chunks: Iterable[bytes] = iter(lambda: file.read(min(8192, stop - file.tell())), b"")
    else:
        chunks = body
    try:
        for chunk in chunks:
            end = position + len(chunk)
            if end > start:
                yield chunk[max(start - position, 0) : stop - position]
            position = end
            if position >= stop:
                break
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()


#: ``Response._text`` read once: Python 3.11 does not specialise an attribute
#: lookup on a class, and the request path builds most responses with it.
_text_response = Response._text
