"""The context-local proxies ``current_app``, ``g``, ``request`` and ``session``.

Each proxy costs one ``ContextVar.get`` and one attribute read per access: its
class defines ``__getattribute__`` (no ``__getattr__`` fallback), and the
operators Python looks up on the type are forwarded explicitly.
"""

from __future__ import annotations

import typing as t

from .ctx import _cv_ctx

if t.TYPE_CHECKING:
    from .app import Vial
    from .ctx import _AppCtxGlobals
    from .request import Request
    from .sessions import SessionMixin

__all__ = ["current_app", "g", "request", "session"]


def _make_proxy(attribute: str, doc: str) -> t.Any:
    get = _cv_ctx.get

    def current() -> t.Any:
        return getattr(get(), attribute)

    class _Proxy:
        __slots__ = ()
        __doc__ = doc

        def __getattribute__(self, name: str) -> t.Any:
            return getattr(getattr(get(), attribute), name)

        def __setattr__(self, name: str, value: t.Any) -> None:
            setattr(getattr(get(), attribute), name, value)

        def __delattr__(self, name: str) -> None:
            delattr(getattr(get(), attribute), name)

        def __bool__(self) -> bool:
            try:
                return bool(current())
            except RuntimeError:
                return False

        def __repr__(self) -> str:
            try:
                return repr(current())
            except RuntimeError:
                return "<LocalProxy unbound>"

        def __str__(self) -> str:
            return str(current())

        def __eq__(self, other: object) -> bool:
            return bool(current() == other)

        def __ne__(self, other: object) -> bool:
            return bool(current() != other)

        def __hash__(self) -> int:
            return hash(current())

        def __dir__(self) -> list[str]:
            return dir(current())

        def __getitem__(self, key: t.Any) -> t.Any:
            return current()[key]

        def __setitem__(self, key: t.Any, value: t.Any) -> None:
            current()[key] = value

        def __delitem__(self, key: t.Any) -> None:
            del current()[key]

        def __contains__(self, key: t.Any) -> bool:
            return key in current()

        def __iter__(self) -> t.Iterator[t.Any]:
            return iter(current())

        def __len__(self) -> int:
            return len(current())

        def __call__(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
            return current()(*args, **kwargs)

    _Proxy.__name__ = _Proxy.__qualname__ = f"_{attribute.capitalize()}Proxy"
    return _Proxy()


current_app: Vial = _make_proxy(
    "app", "The application handling the current request or app context."
)
g: _AppCtxGlobals = _make_proxy("g", "A namespace for data during one application context.")
request: Request = _make_proxy("request", "The request being handled in this context.")
session: SessionMixin = _make_proxy("session", "The session of the current request.")
