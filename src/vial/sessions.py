"""Sessions stored in a signed cookie (itsdangerous), and the interface to replace them.

The app opens the session the first time ``session`` is used in a request and
saves it after the view. :class:`SecureCookieSessionInterface` keeps the whole
session in the cookie: the client can read it but cannot change it without
the secret key.
"""

from __future__ import annotations

import hashlib
import typing as t
from collections.abc import Iterable, Iterator, KeysView, Mapping, MutableMapping, ValuesView
from datetime import UTC, datetime

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from ._signing import SigningCodec
from .json.tag import TaggedJSONSerializer

if t.TYPE_CHECKING:
    from collections.abc import ItemsView

    from .app import Vial
    from .request import Request
    from .response import Response

__all__ = [
    "NullSession",
    "SecureCookieSession",
    "SecureCookieSessionInterface",
    "SessionInterface",
    "SessionMixin",
    "session_json_serializer",
]

_T = t.TypeVar("_T")
_missing: t.Any = object()

#: The serializer the cookie session interface signs: JSON with tags for
#: datetime, bytes, tuple, UUID and Markup. Registering a tag on it
#: (``session_json_serializer.register(...)``) applies to every
#: :class:`SecureCookieSessionInterface` that keeps the default ``serializer``.
session_json_serializer = TaggedJSONSerializer()

_NO_SECRET_KEY = (
    "The session is unavailable because no secret key was set. Set app.secret_key"
    " (the SECRET_KEY setting) to something unique and secret."
)


class SessionMixin(MutableMapping[str, t.Any]):
    """The attributes every session object has besides its mapping interface."""

    @property
    def permanent(self) -> bool:
        """Whether the cookie outlives the browser session; stored under ``"_permanent"``."""
        return bool(self.get("_permanent", False))

    @permanent.setter
    def permanent(self, value: bool) -> None:
        self["_permanent"] = bool(value)

    #: Whether the session was just created. The cookie session cannot tell
    #: a new session from an empty one, so this stays ``False``.
    new = False

    #: Whether the session changed and must be saved. The mixin cannot know,
    #: so it says ``True``; :class:`SecureCookieSession` tracks it.
    modified = True

    #: Whether the session was read or written. When true, the response gets
    #: ``Vary: Cookie`` so caches do not share it between users.
    accessed = False

    def _get_current_object(self) -> t.Self:
        # ``session._get_current_object()`` through the proxy: the session itself, as in Flask.
        return self


class SecureCookieSession(dict[str, t.Any], SessionMixin):
    """A dict that records reads in :attr:`accessed` and changes in :attr:`modified`.

    Only the top level is tracked: after changing a mutable value in place
    (``session["cart"].append(item)``), set ``session.modified = True``.
    """

    modified = False
    accessed = False

    def __init__(
        self, initial: Mapping[str, t.Any] | Iterable[tuple[str, t.Any]] | None = None
    ) -> None:
        super().__init__(() if initial is None else initial)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"

    # Reads: a response that depends on the session varies with the cookie.

    def __getitem__(self, key: str) -> t.Any:
        self.accessed = True
        return super().__getitem__(key)

    def get(self, key: str, default: t.Any = None) -> t.Any:
        """Return ``self[key]``, or ``default`` when the key is missing."""
        self.accessed = True
        return super().get(key, default)

    def __contains__(self, key: object) -> bool:
        self.accessed = True
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self.accessed = True
        return super().__iter__()

    def __len__(self) -> int:
        self.accessed = True
        return super().__len__()

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        """The session's keys (marks the session accessed)."""
        self.accessed = True
        return super().keys()

    def values(self) -> ValuesView[t.Any]:  # type: ignore[override]
        """The session's values (marks the session accessed)."""
        self.accessed = True
        return super().values()

    def items(self) -> ItemsView[str, t.Any]:  # type: ignore[override]
        """The session's items (marks the session accessed)."""
        self.accessed = True
        return super().items()

    def copy(self) -> dict[str, t.Any]:
        """A plain ``dict`` copy of the session's data."""
        self.accessed = True
        return dict.copy(self)

    # Writes: each also counts as an access.

    def _changed(self) -> None:
        self.modified = True
        self.accessed = True

    def __setitem__(self, key: str, value: t.Any) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def clear(self) -> None:
        """Remove every key."""
        super().clear()
        self._changed()

    def pop(self, key: str, default: t.Any = _missing) -> t.Any:
        """Remove ``key`` and return its value (``default``, if given, when missing)."""
        self.accessed = True
        if default is _missing or key in self:
            value = super().pop(key)
        else:
            return default
        self.modified = True
        return value

    def popitem(self) -> tuple[str, t.Any]:
        """Remove and return the last inserted ``(key, value)`` pair."""
        item = super().popitem()
        self._changed()
        return item

    def setdefault(self, key: str, default: t.Any = None) -> t.Any:
        """Return ``self[key]``, first setting it to ``default`` when missing."""
        self.accessed = True
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        super().__setitem__(key, default)
        self.modified = True
        return default

    def update(self, other: t.Any = (), /, **kwargs: t.Any) -> None:
        """Update from a mapping or iterable of pairs, and keyword arguments."""
        super().update(other, **kwargs)
        self._changed()

    def __ior__(self, other: t.Any) -> t.Self:  # type: ignore[override,misc]
        super().update(other)
        self._changed()
        return self


class NullSession(SecureCookieSession):
    """The session when no secret key is set: it reads as empty and refuses writes.

    Every write raises ``RuntimeError`` saying how to set the secret key.
    """

    def _fail(self, *args: t.Any, **kwargs: t.Any) -> t.NoReturn:
        raise RuntimeError(_NO_SECRET_KEY)

    __setitem__ = __delitem__ = clear = pop = popitem = update = setdefault = __ior__ = _fail
    del _fail


class SessionInterface:
    """How the app opens and saves sessions; subclass it to store sessions elsewhere.

    Implement :meth:`open_session` and :meth:`save_session`; the other methods
    read the ``SESSION_COOKIE_*`` settings. Install an instance with
    ``app.session_interface = MyInterface()``. Requests of one client may run
    concurrently, so a server-side store must handle concurrent saves.
    """

    #: The class :meth:`make_null_session` creates and :meth:`is_null_session` checks.
    null_session_class: type[NullSession] = NullSession

    #: Whether sessions are pickled; extensions may check it.
    pickle_based = False

    def make_null_session(self, app: Vial) -> NullSession:
        """Return the session used when :meth:`open_session` returned ``None``."""
        return self.null_session_class()

    def is_null_session(self, obj: object) -> bool:
        """Tell whether ``obj`` is a null session (which the app never saves)."""
        return isinstance(obj, self.null_session_class)

    def get_cookie_name(self, app: Vial) -> str:
        """The cookie's name: ``SESSION_COOKIE_NAME``."""
        return t.cast(str, app.config["SESSION_COOKIE_NAME"])

    def get_cookie_domain(self, app: Vial) -> str | None:
        """The cookie's ``Domain``: ``SESSION_COOKIE_DOMAIN``; ``None`` means this host only."""
        return t.cast("str | None", app.config["SESSION_COOKIE_DOMAIN"])

    def get_cookie_path(self, app: Vial) -> str:
        """The cookie's ``Path``: ``SESSION_COOKIE_PATH``, else ``APPLICATION_ROOT``."""
        return t.cast(str, app.config["SESSION_COOKIE_PATH"] or app.config["APPLICATION_ROOT"])

    def get_cookie_httponly(self, app: Vial) -> bool:
        """Whether the cookie is hidden from JavaScript: ``SESSION_COOKIE_HTTPONLY``."""
        return bool(app.config["SESSION_COOKIE_HTTPONLY"])

    def get_cookie_secure(self, app: Vial) -> bool:
        """Whether the cookie is sent over HTTPS only: ``SESSION_COOKIE_SECURE``."""
        return bool(app.config["SESSION_COOKIE_SECURE"])

    def get_cookie_samesite(self, app: Vial) -> str | None:
        """The cookie's ``SameSite`` (``"Strict"``, ``"Lax"``, ...): ``SESSION_COOKIE_SAMESITE``."""
        return t.cast("str | None", app.config["SESSION_COOKIE_SAMESITE"])

    def get_cookie_partitioned(self, app: Vial) -> bool:
        """Whether the cookie is ``Partitioned`` (CHIPS): ``SESSION_COOKIE_PARTITIONED``."""
        return bool(app.config["SESSION_COOKIE_PARTITIONED"])

    def get_expiration_time(self, app: Vial, session: SessionMixin) -> datetime | None:
        """When the cookie expires: now plus the permanent lifetime for a permanent
        session, ``None`` (end of the browser session) otherwise."""
        if session.permanent:
            return datetime.now(UTC) + app.permanent_session_lifetime
        return None

    def should_set_cookie(self, app: Vial, session: SessionMixin) -> bool:
        """Whether to send ``Set-Cookie``: when the session changed, or when it is
        permanent and ``SESSION_REFRESH_EACH_REQUEST`` is true (to push the expiry back)."""
        return session.modified or bool(
            session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]
        )

    def open_session(self, app: Vial, request: Request) -> SessionMixin | None:
        """Load the session of ``request``; ``None`` makes the app use a null session.

        Called the first time the session is used in a request.
        """
        raise NotImplementedError

    def save_session(self, app: Vial, session: SessionMixin, response: Response) -> None:
        """Store ``session`` and update ``response`` (cookie, ``Vary``) to match.

        Called after the view when the session was opened and is not a null session.
        """
        raise NotImplementedError


def _lazy_sha1(data: bytes = b"") -> t.Any:
    return hashlib.sha1(data)


# hashlib's own constructor lets hmac take OpenSSL's fast path; a Python
# wrapper (needed only where a FIPS build lacks SHA-1) forces the slow one.
_sha1: t.Any = getattr(hashlib, "sha1", _lazy_sha1)


def _vary_on_cookie(response: Response) -> None:
    """Add ``Cookie`` to the ``Vary`` header; cheap when it is already there or absent."""
    items = getattr(response, "_headers_list", None)
    if items is None:
        response.vary.add("Cookie")
        return
    current = response._get_header("Vary")
    if current is None:
        items.append(("Vary", "Cookie"))
    elif "cookie" not in current.lower():
        response.vary.add("Cookie")


class _KeyCachingSigner(TimestampSigner):
    """A ``TimestampSigner`` that derives each signing key once, not on every use."""

    _derived: t.ClassVar[dict[tuple[t.Any, ...], bytes]] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """Return the derived key for ``secret_key`` (the newest key by default)."""
        source = self.secret_keys[-1] if secret_key is None else secret_key
        cache_key = (source, self.salt, self.key_derivation, self.digest_method)
        derived = self._derived.get(cache_key)
        if derived is None:
            derived = super().derive_key(secret_key)
            if len(self._derived) < 64:
                self._derived[cache_key] = derived
        return derived


class SecureCookieSessionInterface(SessionInterface):
    """Keep the session in a cookie signed with ``SECRET_KEY`` (itsdangerous).

    The cookie carries a timestamp; one older than ``PERMANENT_SESSION_LIFETIME``
    is ignored. Keys in ``SECRET_KEY_FALLBACKS`` still verify old cookies, so
    the secret key can be rotated without logging everyone out.
    """

    #: Mixed into the key so the signature is valid for sessions only.
    salt = "cookie-session"
    #: The hash of the HMAC signature.
    digest_method = staticmethod(_sha1)
    #: The itsdangerous key derivation.
    key_derivation = "hmac"
    #: Turns the session into text and back; handles datetime, bytes, tuple,
    #: UUID and Markup besides JSON types. The module's
    #: :data:`session_json_serializer`, shared by every instance.
    serializer: t.Any = session_json_serializer
    #: The class of the sessions :meth:`open_session` returns.
    session_class: type[SecureCookieSession] = SecureCookieSession

    _cache: tuple[tuple[t.Any, ...], URLSafeTimedSerializer] | None = None

    def _signing_config(self, app: Vial) -> tuple[t.Any, ...] | None:
        """What the signing depends on: key, fallbacks, salt, serializer, derivation, digest."""
        secret_key = app.secret_key
        if not secret_key:
            return None
        fallbacks = app.config["SECRET_KEY_FALLBACKS"]
        return (
            secret_key,
            tuple(fallbacks) if fallbacks else (),
            self.salt,
            self.serializer,
            self.key_derivation,
            self.digest_method,
        )

    def get_signing_serializer(self, app: Vial) -> URLSafeTimedSerializer | None:
        """The serializer that signs and verifies cookies, or ``None`` without a secret key."""
        key = self._signing_config(app)
        if key is None:
            return None
        # Built once per configuration rather than twice per request.
        cached = self._cache
        if cached is not None and cached[0] == key:
            return cached[1]
        # itsdangerous signs with the last key and verifies with all of them.
        serializer = URLSafeTimedSerializer(
            [*key[1], key[0]],
            salt=self.salt,
            serializer=self.serializer,
            signer=_KeyCachingSigner,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        self._cache = (key, serializer)
        return serializer

    def _signing_codec(self, app: Vial) -> _Codec | None:
        """What signs and verifies the cookie for ``app``'s configuration; None without a key.

        The codec writes the same tokens as :meth:`get_signing_serializer`'s
        serializer, built once per configuration. A subclass that overrides
        :meth:`get_signing_serializer` gets its serializer used as it is.
        """
        if type(self).get_signing_serializer is not _default_get_signing_serializer:
            serializer = self.get_signing_serializer(app)
            return None if serializer is None else _SerializerCodec(serializer)
        key = self._signing_config(app)
        if key is None:
            return None
        codec = _codecs.get(key)
        if codec is None:
            codec = self._make_codec(app, key)
            if len(_codecs) >= 16:
                _codecs.clear()
            _codecs[key] = codec
        return codec

    def _make_codec(self, app: Vial, key: tuple[t.Any, ...]) -> _Codec:
        # The codec needs a serializer that writes text and a hash it can key an
        # HMAC with: true of the defaults; anything else is left to itsdangerous.
        if isinstance(self.serializer.dumps({}), str):
            try:
                return SigningCodec(
                    [*key[1], key[0]],
                    self.salt,
                    self.serializer,
                    self.key_derivation,
                    self.digest_method,
                )
            except ValueError:
                pass
        serializer = self.get_signing_serializer(app)
        return _SerializerCodec(t.cast(URLSafeTimedSerializer, serializer))

    def open_session(self, app: Vial, request: Request) -> SecureCookieSession | None:
        """Load the session from the cookie; an empty session when the cookie is
        missing, invalid or expired, ``None`` without a secret key."""
        codec = self._signing_codec(app)
        if codec is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        data = codec.loads(value, int(app.permanent_session_lifetime.total_seconds()))
        if not isinstance(data, dict):
            return self.session_class()
        return self.session_class(data)

    def save_session(self, app: Vial, session: SessionMixin, response: Response) -> None:
        """Set, refresh or delete the session cookie on ``response``."""
        accessed = session.accessed
        if accessed:
            _vary_on_cookie(response)

        if not session:
            # Emptied during the request: tell the browser to drop the cookie.
            # Empty and untouched: there is nothing to send.
            if session.modified:
                response.delete_cookie(self.get_cookie_name(app), **self._cookie_options(app))
                _vary_on_cookie(response)
            return

        if not self.should_set_cookie(app, session):
            return

        codec = self._signing_codec(app)
        if codec is None:
            raise RuntimeError(_NO_SECRET_KEY)
        response.set_cookie(
            self.get_cookie_name(app),
            codec.dumps(dict(session)),
            expires=self.get_expiration_time(app, session),
            **self._cookie_options(app),
        )
        if not accessed:
            _vary_on_cookie(response)

    def _cookie_options(self, app: Vial) -> dict[str, t.Any]:
        """The cookie attributes shared by setting and deleting the session cookie."""
        return {
            "path": self.get_cookie_path(app),
            "domain": self.get_cookie_domain(app),
            "secure": self.get_cookie_secure(app),
            "httponly": self.get_cookie_httponly(app),
            "samesite": self.get_cookie_samesite(app),
            "partitioned": self.get_cookie_partitioned(app),
        }


_default_get_signing_serializer = SecureCookieSessionInterface.get_signing_serializer
#: Codecs by configuration: (secret key, fallbacks, salt, serializer, derivation, digest).
_codecs: dict[tuple[t.Any, ...], _Codec] = {}


class _Codec(t.Protocol):
    def dumps(self, data: t.Any) -> str: ...

    def loads(self, token: str, max_age: int | None) -> t.Any: ...


class _SerializerCodec:
    """The codec interface over an itsdangerous serializer."""

    __slots__ = ("serializer",)

    def __init__(self, serializer: URLSafeTimedSerializer) -> None:
        self.serializer = serializer

    def dumps(self, data: t.Any) -> str:
        return self.serializer.dumps(data)

    def loads(self, token: str, max_age: int | None) -> t.Any:
        try:
            return self.serializer.loads(token, max_age=max_age)
        except BadData:
            return None
