"""``flask.globals.request_ctx`` and ``app_ctx``: proxies to the innermost pushed context.

vial keeps one context variable; a request context is also the application
context, so ``app_ctx`` is the request context while a request is handled.
"""

from __future__ import annotations

import typing as t

from ..ctx import (
    _NO_APP,
    _NO_CONTEXT,
    _NO_REQUEST,
    AppContext,
    RequestContext,
    _current_ctx,
)


def _current_app_ctx() -> AppContext:
    ctx = _current_ctx()
    if ctx is _NO_CONTEXT:
        raise RuntimeError(_NO_APP)
    return t.cast(AppContext, ctx)


def _current_request_ctx() -> RequestContext:
    ctx = _current_ctx()
    if not isinstance(ctx, RequestContext):
        raise RuntimeError(_NO_REQUEST)
    return ctx


class _ContextProxy:
    """Forwards attribute access to the context ``get()`` returns; false when there is none."""

    __slots__ = ("_get", "_label")

    def __init__(self, get: t.Callable[[], AppContext], label: str) -> None:
        object.__setattr__(self, "_get", get)
        object.__setattr__(self, "_label", label)

    _get: t.Callable[[], AppContext]
    _label: str

    def _get_current_object(self) -> AppContext:
        """The context itself (raises ``RuntimeError`` when none is pushed)."""
        return self._get()

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._get(), name)

    def __setattr__(self, name: str, value: t.Any) -> None:
        setattr(self._get(), name, value)

    def __enter__(self) -> AppContext:
        # ``with request_ctx:`` pushes the current context once more; teardown waits
        # for the outermost pop.
        return self._get().__enter__()

    def __exit__(self, *exc_info: t.Any) -> None:
        self._get().__exit__(*exc_info)

    def __bool__(self) -> bool:
        try:
            self._get()
        except RuntimeError:
            return False
        return True

    def __repr__(self) -> str:
        try:
            return repr(self._get())
        except RuntimeError:
            return f"<unbound vial proxy {self._label!r}>"


#: The innermost application context (a request context while a request is handled).
app_ctx: AppContext = t.cast(AppContext, _ContextProxy(_current_app_ctx, "app_ctx"))
#: The current request context.
request_ctx: RequestContext = t.cast(
    RequestContext, _ContextProxy(_current_request_ctx, "request_ctx")
)


_MISSING: t.Any = object()


class _ContextLookup:
    """Stands in for Flask's ``_cv_app``/``_cv_request`` context variables, for reading.

    ``get(default)`` returns the current context of that kind, or ``default``;
    without a default it raises ``LookupError`` as ``ContextVar.get`` does.
    """

    __slots__ = ("_kind",)

    def __init__(self, kind: type[AppContext]) -> None:
        self._kind = kind

    def get(self, default: t.Any = _MISSING) -> t.Any:
        """The innermost context of this kind, else ``default``."""
        ctx = _current_ctx()
        if isinstance(ctx, self._kind):
            return ctx
        if default is _MISSING:
            raise LookupError(self._kind.__name__)
        return default


#: Read-only stand-ins for Flask's private context variables (some test suites read them).
_cv_app = _ContextLookup(AppContext)
_cv_request = _ContextLookup(RequestContext)
