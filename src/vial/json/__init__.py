"""JSON helpers that follow the current app's JSON provider.

Inside an application context, :func:`dumps`, :func:`loads`, :func:`dump` and :func:`load`
call ``current_app.json``, so an app's provider settings (key sorting, custom types) apply.
Outside one they use the :mod:`json` module, still serializing dates, decimals, UUIDs,
dataclasses and ``__html__`` objects as the default provider does.
"""

from __future__ import annotations

import json as _json
from typing import IO, Any, AnyStr

from ..ctx import _NO_CONTEXT, _current_ctx
from .provider import JSONProvider, _default

__all__ = ["dump", "dumps", "jsonify", "load", "loads"]


def _current_provider() -> JSONProvider | None:
    """Return the current app's provider, or ``None`` outside an application context."""
    ctx = _current_ctx()
    if ctx is _NO_CONTEXT:
        return None
    return ctx.app.json  # type: ignore[no-any-return]


def dumps(obj: Any, **kwargs: Any) -> str:
    """Serialize ``obj`` to a JSON string with the current app's provider, or :func:`json.dumps`."""
    provider = _current_provider()
    if provider is not None:
        return provider.dumps(obj, **kwargs)
    kwargs.setdefault("default", _default)
    return _json.dumps(obj, **kwargs)


def dump(obj: Any, fp: IO[str], **kwargs: Any) -> None:
    """Serialize ``obj`` as JSON into the text file ``fp``, like :func:`dumps`."""
    provider = _current_provider()
    if provider is not None:
        provider.dump(obj, fp, **kwargs)
        return
    kwargs.setdefault("default", _default)
    _json.dump(obj, fp, **kwargs)


def loads(s: str | bytes, **kwargs: Any) -> Any:
    """Deserialize JSON text or UTF-8 bytes with the app's provider, or :func:`json.loads`."""
    provider = _current_provider()
    if provider is not None:
        return provider.loads(s, **kwargs)
    return _json.loads(s, **kwargs)


def load(fp: IO[AnyStr], **kwargs: Any) -> Any:
    """Deserialize the JSON document read from ``fp``, like :func:`loads`."""
    provider = _current_provider()
    if provider is not None:
        return provider.load(fp, **kwargs)
    return _json.load(fp, **kwargs)


def jsonify(*args: Any, **kwargs: Any) -> Any:
    """Return an ``application/json`` response of the arguments, built by ``current_app.json``.

    One positional argument is serialized as is, several as a list, keyword arguments as a
    dict, and none as ``null``; the body is indented in debug mode. A view may also simply
    return a dict or list, which becomes the same response.

    Raises:
        RuntimeError: no application context is active.
        TypeError: both positional and keyword arguments were given.
    """
    provider = _current_provider()
    if provider is None:
        raise RuntimeError(
            "jsonify() needs an application context to build a response: call it from a"
            " view, or inside 'with app.app_context():'."
        )
    return provider.response(*args, **kwargs)
