"""JSON providers: the object behind ``app.json`` that serializes data and builds JSON responses."""

from __future__ import annotations

import dataclasses
import decimal
import json
import uuid
import weakref
from collections.abc import Callable
from datetime import date
from typing import IO, Any, AnyStr, Protocol

from werkzeug.http import http_date

from ..response import Response as _Response
from ..response import _text_response

__all__ = ["DefaultJSONProvider", "JSONProvider"]


class _JSONApp(Protocol):
    """What a provider needs from the app it belongs to."""

    @property
    def debug(self) -> bool: ...

    @property
    def response_class(self) -> Callable[..., Any]: ...


def _default(o: Any) -> Any:
    """Convert a value the :mod:`json` module does not know into one it does."""
    if isinstance(o, date):  # datetime is a subclass of date
        return http_date(o)
    if isinstance(o, decimal.Decimal | uuid.UUID):
        return str(o)
    if dataclasses.is_dataclass(o) and not isinstance(o, type):
        return dataclasses.asdict(o)
    if hasattr(o, "__html__"):
        return str(o.__html__())
    raise TypeError(f"Object of type {type(o).__name__} is not JSON serializable")


class JSONProvider:
    """Base class for the JSON operations of an app, available as ``app.json``.

    Subclass it to use another JSON library: implement :meth:`dumps` and :meth:`loads`;
    the other methods are built on those two. Install a provider by setting
    ``Vial.json_provider_class`` or by assigning an instance to ``app.json``.

    Args:
        app: the app; kept as a :func:`weakref.proxy` in ``_app`` so the provider does not
            keep the app alive.
    """

    def __init__(self, app: _JSONApp) -> None:
        self._app: _JSONApp = weakref.proxy(app)

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize ``obj`` to a JSON string; ``kwargs`` go to the underlying library."""
        raise NotImplementedError

    def dump(self, obj: Any, fp: IO[str], **kwargs: Any) -> None:
        """Serialize ``obj`` as JSON and write it to the text file ``fp``."""
        fp.write(self.dumps(obj, **kwargs))

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Deserialize a JSON document given as text or UTF-8 bytes."""
        raise NotImplementedError

    def load(self, fp: IO[AnyStr], **kwargs: Any) -> Any:
        """Deserialize the JSON document read from ``fp`` (text, or binary with UTF-8)."""
        return self.loads(fp.read(), **kwargs)

    def _response_value(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Pick what :meth:`response` serializes: one value, a list of values, or a dict."""
        if args and kwargs:
            raise TypeError(
                "app.json.response() takes either args or kwargs, not both:"
                " pass a single dict to combine them."
            )
        if len(args) == 1:
            return args[0]
        return args or kwargs or None

    def response(self, *args: Any, **kwargs: Any) -> Any:
        """Serialize the arguments as JSON and return an ``application/json`` response.

        One positional argument is serialized as is, several as a list, keyword arguments
        as a dict, and no arguments as ``null``. Returns an instance of the app's
        ``response_class``.

        Raises:
            TypeError: both positional and keyword arguments were given.
        """
        value = self._response_value(args, kwargs)
        return self._app.response_class(self.dumps(value), mimetype="application/json")


class DefaultJSONProvider(JSONProvider):
    """JSON operations with the standard :mod:`json` module, knowing a few more types.

    Besides the JSON types it serializes :class:`datetime.date` and
    :class:`datetime.datetime` as HTTP dates (RFC 822), :class:`decimal.Decimal` and
    :class:`uuid.UUID` as strings, dataclass instances through :func:`dataclasses.asdict`,
    and anything with an ``__html__`` method (such as :class:`markupsafe.Markup`) as the
    string that method returns.
    """

    default: Callable[[Any], Any] = staticmethod(_default)
    """Called by :func:`json.dumps` on a value it cannot serialize; return a JSON-serializable
    value or raise ``TypeError``."""

    ensure_ascii = True
    """Escape non-ASCII characters; disable for shorter, faster output."""

    sort_keys = True
    """Sort object keys, which keeps output stable (for caching); all keys must be strings."""

    compact: bool | None = None
    """Shape of :meth:`response` bodies: ``True`` for compact, ``False`` for indented, ``None``
    for indented in debug mode and compact otherwise."""

    mimetype = "application/json"
    """The mimetype of :meth:`response` responses."""

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Serialize ``obj`` with :func:`json.dumps`.

        ``default``, ``ensure_ascii`` and ``sort_keys`` default to the attributes of the same
        names; other ``kwargs`` go to :func:`json.dumps` unchanged.
        """
        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        """Deserialize text or UTF-8 bytes with :func:`json.loads`."""
        return json.loads(s, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Any:
        """Serialize the arguments as JSON and return a response with :attr:`mimetype`.

        Arguments are interpreted as in :meth:`JSONProvider.response`. The body ends with a
        newline; it is indented by two spaces when :attr:`compact` is ``False``, or when it
        is ``None`` and the app is in debug mode, and has no whitespace otherwise.

        Raises:
            TypeError: both positional and keyword arguments were given.
        """
        value = self._response_value(args, kwargs)
        app = self._app
        compact = self.compact
        if compact is False or (compact is None and app.debug):
            body = self.dumps(value, indent=2)
        else:
            body = self._compact_encoder().encode(value)
        response_class = app.response_class
        mimetype = self.mimetype
        if mimetype == "application/json" and response_class is _Response:
            return _text_response(f"{body}\n".encode(), 200, mimetype)
        return response_class(f"{body}\n", mimetype=mimetype)

    def _compact_encoder(self) -> json.JSONEncoder:
        """A reusable encoder for compact bodies, rebuilt when the settings change."""
        key = (self.default, self.ensure_ascii, self.sort_keys)
        cached = self.__dict__.get("_encoder")
        if cached is None or cached[0] != key:
            encoder = json.JSONEncoder(
                default=self.default,
                ensure_ascii=self.ensure_ascii,
                sort_keys=self.sort_keys,
                separators=(",", ":"),
            )
            cached = self.__dict__["_encoder"] = (key, encoder)
        return cached[1]
