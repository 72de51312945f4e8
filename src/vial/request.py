"""The request object: what the client sent, parsed only when asked for.

Construction stores the WSGI environ, the method and the decoded path; every
other attribute is computed on first access and cached on the instance.
Query and form data are Werkzeug ``ImmutableMultiDict`` objects and uploads
are ``FileStorage`` objects, so WTForms and existing Flask code work unchanged.
"""

from __future__ import annotations

import io
import typing as t
from datetime import datetime

from werkzeug import http
from werkzeug.datastructures import (
    Accept,
    Authorization,
    CharsetAccept,
    CombinedMultiDict,
    EnvironHeaders,
    ETags,
    FileStorage,
    Headers,
    IfRange,
    ImmutableMultiDict,
    LanguageAccept,
    MIMEAccept,
    Range,
    RequestCacheControl,
)
from werkzeug.exceptions import (
    BadRequest,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)
from werkzeug.formparser import MultiPartParser
from werkzeug.sansio.utils import get_content_length, get_current_url, get_host
from werkzeug.user_agent import UserAgent
from werkzeug.wsgi import get_input_stream

from ._lazy import lazy
from ._urlencoded import EMPTY as _EMPTY
from ._urlencoded import parse_query, parse_urlencoded

if t.TYPE_CHECKING:
    from .app import Vial
    from .routing import Rule

__all__ = ["Request", "parse_urlencoded"]

_UNSET: t.Any = object()
_URLENCODED = "application/x-www-form-urlencoded"
_FORM_TYPES = frozenset((_URLENCODED, "multipart/form-data"))
_FORM_TOO_LARGE = "The form data is larger than allowed."
_environ_keys: dict[str, str] = {
    "content-type": "CONTENT_TYPE",
    "content-length": "CONTENT_LENGTH",
}


def _environ_key(name: str) -> str:
    """The environ key of the lower-case header ``name``, e.g. ``HTTP_USER_AGENT``."""
    key = _environ_keys[name] = "HTTP_" + name.upper().replace("-", "_")
    return key


def _limit_property(key: str, default: int | None, doc: str) -> t.Any:
    """A size limit read from the app's ``key`` setting (``default`` without an app),
    which a request can override by assignment."""
    slot = f"_{key.lower()}"

    def fget(self: Request) -> int | None:
        override = self.__dict__.get(slot, _UNSET)
        if override is not _UNSET:
            return override  # type: ignore[no-any-return]
        app = self._app
        if app is None:
            app = self._current_app()
            if app is None:
                return default
        return app.config[key]  # type: ignore[no-any-return]

    def fset(self: Request, value: int | None) -> None:
        self.__dict__[slot] = value

    return property(fget, fset, doc=doc)


def _header_property(name: str, doc: str) -> t.Any:
    def fget(self: Request) -> str | None:
        return self._header(name)

    return property(fget, doc=doc)


class Request:
    """An incoming HTTP request.

    The app creates one per request and makes it available as
    ``vial.request``. Attributes are parsed lazily: a view that reads only
    ``request.args`` never pays for headers, cookies or the body.
    """

    __slots__ = (
        "__dict__",
        "_app",
        "_matched",
        "_uploads",
        "environ",
        "method",
        "path",
        "routing_exception",
        "url_rule",
        "view_args",
    )

    #: The class used for ``args``, ``form`` and ``cookies``.
    parameter_storage_class = ImmutableMultiDict
    #: Trusted host names for the ``Host`` header (``TRUSTED_HOSTS`` sets it per app).
    trusted_hosts: list[str] | None = None

    def __init__(self, environ: dict[str, t.Any], app: Vial | None = None) -> None:
        self.environ = environ
        self._app = app
        self.method: str = environ.get("REQUEST_METHOD", "GET").upper()
        path: str = environ.get("PATH_INFO") or "/"
        if not path.isascii():
            path = path.encode("latin-1").decode("utf-8", "replace")
        if path[:1] != "/" or "//" in path:  # cheaper than testing the start for "//"
            path = "/" + path.lstrip("/")  # one leading slash, as Werkzeug's
        self.path: str = path
        self.url_rule: Rule | None = None
        self.view_args: dict[str, t.Any] | None = None
        self.routing_exception: Exception | None = None
        self._matched = False
        self._uploads = False

    # -- the few things that differ between servers (ASGIRequest overrides them)

    def _header(self, name: str) -> str | None:
        """Return the value of the lower-case header ``name``, or None."""
        return self.environ.get(_environ_keys.get(name) or _environ_key(name))

    def _has_cookie_header(self) -> bool:
        """True when the client sent a ``Cookie`` header; cheaper than reading it."""
        return "HTTP_COOKIE" in self.environ

    def _host_header(self) -> str | None:
        """The raw ``Host`` header, unchecked (``host`` validates it)."""
        return self.environ.get("HTTP_HOST")

    @lazy
    def headers(self) -> Headers:
        """The request headers, a case-insensitive Werkzeug ``Headers`` view."""
        return EnvironHeaders(self.environ)

    @property
    def scheme(self) -> str:
        """The URL scheme, ``http`` or ``https``."""
        return self.environ.get("wsgi.url_scheme", "http")  # type: ignore[no-any-return]

    @property
    def server(self) -> tuple[str, int | None] | None:
        """The address ``(host, port)`` the server listens on."""
        env = self.environ
        name = env.get("SERVER_NAME")
        if name is None:
            return None
        port = env.get("SERVER_PORT")
        return (name, int(port) if port else None)

    @property
    def remote_addr(self) -> str | None:
        """The client's address, as the server reports it."""
        return self.environ.get("REMOTE_ADDR")

    @lazy
    def root_path(self) -> str:
        """The prefix the app is mounted under (``SCRIPT_NAME``), without a trailing slash."""
        root: str = self.environ.get("SCRIPT_NAME", "")
        if not root.isascii():
            root = root.encode("latin-1").decode("utf-8", "replace")
        return root.rstrip("/")

    @lazy
    def query_string(self) -> bytes:
        """The raw query string, as bytes."""
        return self.environ.get("QUERY_STRING", "").encode("latin-1")  # type: ignore[no-any-return]

    def _input_stream(self) -> t.IO[bytes]:
        return get_input_stream(
            self.environ, safe_fallback=True, max_content_length=self.max_content_length
        )

    def _read_body(self, form_limit: int | None = None) -> bytes:
        """Read the rest of the body, refusing one larger than ``max_content_length``
        or, when given, a declared length over ``form_limit`` (413)."""
        length = self.content_length
        if length is not None and "stream" not in self.__dict__:
            limit = self.max_content_length
            if limit is not None and length > limit:
                raise RequestEntityTooLarge()
            if form_limit is not None and length > form_limit:
                raise RequestEntityTooLarge(_FORM_TOO_LARGE)
            return self.environ["wsgi.input"].read(length)  # type: ignore[no-any-return]
        return self.stream.read()

    # -- URL parts

    @property
    def script_root(self) -> str:
        """Alias of :attr:`root_path`."""
        return self.root_path

    @lazy
    def host(self) -> str:
        """The host, with the port unless it is the default; checked against ``trusted_hosts``."""
        return get_host(self.scheme, self._header("host"), self.server, self.trusted_hosts)

    @property
    def full_path(self) -> str:
        """The path and query string, e.g. ``/search?q=vial``."""
        return f"{self.path}?{self.query_string.decode('latin-1')}"

    @property
    def url(self) -> str:
        """The full URL, with the query string."""
        return get_current_url(self.scheme, self.host, self.root_path, self.path, self.query_string)

    @property
    def base_url(self) -> str:
        """The full URL without the query string."""
        return get_current_url(self.scheme, self.host, self.root_path, self.path)

    @property
    def url_root(self) -> str:
        """The scheme, host and root path, with a trailing slash."""
        return get_current_url(self.scheme, self.host, self.root_path)

    @property
    def host_url(self) -> str:
        """The scheme and host, with a trailing slash."""
        return get_current_url(self.scheme, self.host)

    @property
    def is_secure(self) -> bool:
        """True when the request came over HTTPS (or WSS)."""
        return self.scheme in ("https", "wss")

    @property
    def access_route(self) -> list[str]:
        """The client and proxy addresses from ``X-Forwarded-For``, else the remote address."""
        forwarded = self._header("x-forwarded-for")
        if forwarded:
            return [part.strip() for part in forwarded.split(",")]
        addr = self.remote_addr
        return [addr] if addr else []

    # -- routing results

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the matched rule, or None."""
        rule = self.url_rule
        return rule.endpoint if rule is not None else None

    @property
    def blueprint(self) -> str | None:
        """The dotted name of the blueprint that handles the request, or None."""
        endpoint = self.endpoint
        if endpoint is not None and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The blueprint and its parents, innermost first, e.g. ``['a.b', 'a']``."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]

    # -- query string, cookies, headers

    @lazy
    def args(self) -> ImmutableMultiDict[str, str]:
        """The parsed query string."""
        # The environ's text, not query_string's bytes: that saves an encode and a decode.
        query = self.environ.get("QUERY_STRING")
        return parse_query(query) if query else _EMPTY

    @lazy
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The cookies the client sent; malformed ones are skipped."""
        header = self._header("cookie")
        try:
            cookies = http.parse_cookie(header, cls=self.parameter_storage_class)  # type: ignore[arg-type]
        except UnicodeError:
            # Werkzeug expects UTF-8 bytes: replace invalid ones rather than fail.
            raw = t.cast(str, header).encode("latin-1", "replace")
            header = raw.decode("utf-8", "replace").encode().decode("latin-1")
            cookies = http.parse_cookie(header, cls=self.parameter_storage_class)  # type: ignore[arg-type]
        return t.cast("ImmutableMultiDict[str, str]", cookies)

    content_encoding = _header_property("content-encoding", "The ``Content-Encoding`` header.")
    referrer = _header_property("referer", "The ``Referer`` header.")
    origin = _header_property("origin", "The ``Origin`` header.")

    @property
    def content_type(self) -> str | None:
        """The ``Content-Type`` header."""
        return self._header("content-type")

    @lazy
    def content_length(self) -> int | None:
        """The ``Content-Length`` as an int; None when absent, malformed or chunked."""
        value = self._header("content-length")
        if value is None:
            return None
        if value.isdigit() and value.isascii() and self._header("transfer-encoding") is None:
            return int(value)
        return get_content_length(self._header("content-length"), self._header("transfer-encoding"))

    @lazy
    def _parsed_content_type(self) -> tuple[str, dict[str, str]]:
        value = self._header("content-type") or ""
        if ";" not in value and '"' not in value:
            return value.strip(), {}
        return http.parse_options_header(value)

    @property
    def mimetype(self) -> str:
        """The lower-cased media type of the body, without parameters."""
        return self._parsed_content_type[0].lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The parameters of the ``Content-Type`` header, e.g. ``{'charset': 'utf-8'}``."""
        return self._parsed_content_type[1]

    @property
    def is_json(self) -> bool:
        """True when the mimetype is ``application/json`` or ``application/*+json``."""
        mt = self.mimetype
        return mt == "application/json" or (mt.startswith("application/") and mt.endswith("+json"))

    @lazy
    def user_agent(self) -> UserAgent:
        """The ``User-Agent`` header as a Werkzeug ``UserAgent``."""
        return UserAgent(self._header("user-agent") or "")

    @lazy
    def authorization(self) -> Authorization | None:
        """The parsed ``Authorization`` header, or None."""
        return Authorization.from_header(self._header("authorization"))

    @lazy
    def accept_mimetypes(self) -> MIMEAccept:
        """The ``Accept`` header; ``best_match([...])`` picks a media type."""
        return http.parse_accept_header(self._header("accept"), MIMEAccept)

    @lazy
    def accept_charsets(self) -> CharsetAccept:
        """The ``Accept-Charset`` header."""
        return http.parse_accept_header(self._header("accept-charset"), CharsetAccept)

    @lazy
    def accept_encodings(self) -> Accept:
        """The ``Accept-Encoding`` header."""
        return http.parse_accept_header(self._header("accept-encoding"))

    @lazy
    def accept_languages(self) -> LanguageAccept:
        """The ``Accept-Language`` header."""
        return http.parse_accept_header(self._header("accept-language"), LanguageAccept)

    @lazy
    def cache_control(self) -> RequestCacheControl:
        """The ``Cache-Control`` header."""
        return http.parse_cache_control_header(
            self._header("cache-control"), None, RequestCacheControl
        )

    @property
    def if_modified_since(self) -> datetime | None:
        """The ``If-Modified-Since`` header as a datetime."""
        return http.parse_date(self._header("if-modified-since"))

    @property
    def if_unmodified_since(self) -> datetime | None:
        """The ``If-Unmodified-Since`` header as a datetime."""
        return http.parse_date(self._header("if-unmodified-since"))

    @lazy
    def if_none_match(self) -> ETags:
        """The ``If-None-Match`` header as ``ETags``."""
        return http.parse_etags(self._header("if-none-match"))

    @lazy
    def if_match(self) -> ETags:
        """The ``If-Match`` header as ``ETags``."""
        return http.parse_etags(self._header("if-match"))

    @lazy
    def if_range(self) -> IfRange:
        """The ``If-Range`` header."""
        return http.parse_if_range_header(self._header("if-range"))

    @lazy
    def range(self) -> Range | None:
        """The ``Range`` header, or None when absent or malformed."""
        return http.parse_range_header(self._header("range"))

    # -- body

    max_content_length = _limit_property(
        "MAX_CONTENT_LENGTH",
        None,
        "The largest body accepted (413 above it): ``MAX_CONTENT_LENGTH``; settable per request.",
    )
    max_form_memory_size = _limit_property(
        "MAX_FORM_MEMORY_SIZE",
        500_000,
        "The largest form field held in memory: ``MAX_FORM_MEMORY_SIZE``; settable per request.",
    )
    max_form_parts = _limit_property(
        "MAX_FORM_PARTS",
        1_000,
        "The most fields a form may have: ``MAX_FORM_PARTS``; settable per request.",
    )

    def _current_app(self) -> Vial | None:
        """The app this request belongs to, else the current app, else None."""
        if self._app is not None:
            return self._app
        from .ctx import _NO_CONTEXT, _current_ctx

        ctx = _current_ctx()
        return None if ctx is _NO_CONTEXT else ctx.app

    @lazy
    def stream(self) -> t.IO[bytes]:
        """The body as a file-like object, limited to ``max_content_length``."""
        if self.__dict__.get("_data") is not None:
            return io.BytesIO(self.__dict__["_data"])
        return self._input_stream()

    def get_data(
        self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False
    ) -> bytes | str:
        """Read the whole body (once; later calls return the cached bytes).

        Raises ``RequestEntityTooLarge`` (413) when the body is larger than
        ``max_content_length``. With ``as_text`` the bytes are decoded as UTF-8.
        """
        if parse_form_data:
            self._load_form_data()
        data: bytes | None = self.__dict__.get("_data")
        if data is None:
            data = self._read_body()
            if cache:
                self.__dict__["_data"] = data
        return data.decode("utf-8", "replace") if as_text else data

    @property
    def data(self) -> bytes:
        """The raw body bytes (empty for form posts, whose body goes to ``form``)."""
        if self.mimetype in _FORM_TYPES and "_data" not in self.__dict__:
            self._load_form_data()
            return b""
        return self.get_data()  # type: ignore[return-value]

    @property
    def form(self) -> ImmutableMultiDict[str, str]:
        """The fields of a urlencoded or multipart body."""
        return self._load_form_data()[0]

    @property
    def files(self) -> ImmutableMultiDict[str, FileStorage]:
        """The uploaded files of a multipart body, as ``FileStorage`` objects.

        In debug mode, when the body is not multipart, reading a missing file
        whose name ``form`` has raises
        :class:`~vial.debughelpers.DebugFilesKeyError`, which explains the
        missing ``enctype="multipart/form-data"``.
        """
        files = self._load_form_data()[1]
        if files or self.mimetype == "multipart/form-data":
            return files
        app = self._current_app()
        if app is None or not app.debug:
            return files
        from .debughelpers import attach_enctype_error_multidict

        attach_enctype_error_multidict(self)
        return self._load_form_data()[1]

    @property
    def values(self) -> CombinedMultiDict[str, str]:
        """``args`` and, except for GET, ``form`` combined."""
        if self.method == "GET":
            return CombinedMultiDict([self.args])
        return CombinedMultiDict([self.args, self.form])

    def _load_form_data(
        self,
    ) -> tuple[ImmutableMultiDict[str, str], ImmutableMultiDict[str, FileStorage]]:
        parsed = self.__dict__.get("_form_data")
        if parsed is not None:
            return parsed  # type: ignore[no-any-return]
        content_type = self._header("content-type")
        if not content_type:
            parsed = _EMPTY, _EMPTY
        # Exactly the urlencoded type, as browsers send it, needs no header parsing.
        elif content_type == _URLENCODED or self.mimetype == _URLENCODED:
            parsed = self._parse_urlencoded(), _EMPTY
        elif self.mimetype == "multipart/form-data":
            parsed = self._parse_multipart()
        else:
            parsed = _EMPTY, _EMPTY
        self.__dict__["_form_data"] = parsed
        return parsed

    def _parse_urlencoded(self) -> ImmutableMultiDict[str, str]:
        """The fields of a urlencoded body; 413 when it is over the limits."""
        memory_limit = self.max_form_memory_size
        body: bytes | None = self.__dict__.get("_data")
        if body is None:
            # The declared length is checked before anything is read.
            body = self.__dict__["_data"] = self._read_body(memory_limit)
        if memory_limit is not None and len(body) > memory_limit:
            raise RequestEntityTooLarge(_FORM_TOO_LARGE)
        return parse_urlencoded(body, self.max_form_parts)

    def _parse_multipart(
        self,
    ) -> tuple[ImmutableMultiDict[str, str], ImmutableMultiDict[str, FileStorage]]:
        boundary = self.mimetype_params.get("boundary")
        if not boundary:
            raise BadRequest("The multipart body has no boundary in its Content-Type.")
        limit = self.max_content_length
        length = self.content_length
        if limit is not None and length is not None and length > limit:
            raise RequestEntityTooLarge()
        parser = MultiPartParser(
            max_form_memory_size=self.max_form_memory_size,
            cls=ImmutableMultiDict,
            max_form_parts=self.max_form_parts,
        )
        try:
            form, files = parser.parse(self.stream, boundary.encode("latin-1"), length)
        except ValueError as e:
            raise BadRequest(f"The multipart body is malformed: {e}")
        self._uploads = bool(files)
        return form, files  # type: ignore[return-value]

    # -- JSON

    @property
    def json(self) -> t.Any:
        """The parsed JSON body; 415 if the content type is not JSON, 400 if it is invalid."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> t.Any:
        """Parse the body as JSON.

        Unless ``force``, the mimetype must be JSON (else 415). Invalid JSON
        raises a 400, or returns None with ``silent``.
        """
        # (non-silent result, silent result); _UNSET where that call was not made yet.
        cached = self.__dict__.get("_cached_json", (_UNSET, _UNSET))
        if cache and cached[silent] is not _UNSET:
            return cached[silent]
        if not (force or self.is_json):
            if silent:
                return None
            return self.on_json_loading_failed(None)
        data = self.get_data(cache=cache)
        try:
            try:
                app = self._current_app()
                rv = app.json.loads(data) if app is not None else _json_loads(data)
            except RecursionError:
                # Deeply nested input is malformed input too: a 400, not a crash.
                raise ValueError("the JSON document is nested too deeply") from None
        except ValueError as e:
            if silent:
                if cache:
                    self.__dict__["_cached_json"] = (cached[0], None)
                return None
            rv = self.on_json_loading_failed(e)
            if cache:
                self.__dict__["_cached_json"] = (rv, rv)
            return rv
        if cache:
            self.__dict__["_cached_json"] = (rv, rv)
        return rv

    def on_json_loading_failed(self, e: ValueError | None) -> t.Any:
        """Raise the error for a body that could not be read as JSON.

        ``e`` is None when the content type was not JSON (415); otherwise the
        decoding error (400, with the details only in debug mode).
        """
        if e is None:
            raise UnsupportedMediaType(
                "Did not attempt to load JSON data because the request"
                " Content-Type was not 'application/json'."
            )
        app = self._current_app()
        if app is not None and app.debug:
            raise BadRequest(f"Failed to decode JSON object: {e}")
        raise BadRequest()

    def close(self) -> None:
        """Close uploaded files, if any were parsed."""
        parsed = self.__dict__.get("_form_data")
        if parsed is not None:
            for storage in parsed[1].values():
                storage.close()

    def __enter__(self) -> Request:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def _get_current_object(self) -> Request:
        return self

    def __repr__(self) -> str:
        try:
            url = self.url
        except Exception:
            url = "(invalid URL)"
        return f"<{type(self).__name__} {url!r} [{self.method}]>"


def _json_loads(data: bytes | str) -> t.Any:
    import json

    return json.loads(data)
