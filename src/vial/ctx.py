"""Application and request contexts, kept in one ``ContextVar``.

The innermost pushed context is the value of ``_cv_ctx``. A request context is
also an application context (it carries ``app`` and ``g``), so serving a
request sets and resets a single context variable. When a request context is
pushed inside an application context of the same app, it shares that
context's ``g``, as in Flask.
"""

from __future__ import annotations

import contextvars
import functools
import sys
import typing as t
from types import TracebackType

from . import signals

if t.TYPE_CHECKING:
    from .app import Vial
    from .request import Request
    from .sessions import SessionMixin

__all__ = [
    "AppContext",
    "RequestContext",
    "after_this_request",
    "copy_current_request_context",
    "has_app_context",
    "has_request_context",
]

F = t.TypeVar("F", bound=t.Callable[..., t.Any])

_NO_APP = """\
Working outside of application context.

This typically means that you attempted to use functionality that needed
the current application. To solve this, set up an application context
with app.app_context(). See the documentation for more information.\
"""

_NO_REQUEST = """\
Working outside of request context.

This typically means that you attempted to use functionality that needed
an active HTTP request. Consult the documentation on testing for
information about how to avoid this problem.\
"""

_sentinel: t.Any = object()


class _AppCtxGlobals:
    """The ``g`` object: a plain namespace that lives as long as its app context."""

    def __getattr__(self, name: str) -> t.Any:
        raise AttributeError(name) from None

    def __setattr__(self, name: str, value: t.Any) -> None:
        self.__dict__[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None

    def get(self, name: str, default: t.Any = None) -> t.Any:
        """Return attribute ``name``, or ``default`` when it is not set."""
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: t.Any = _sentinel) -> t.Any:
        """Remove attribute ``name`` and return it; ``default`` if given and missing."""
        if default is _sentinel:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: t.Any = None) -> t.Any:
        """Return attribute ``name``, setting it to ``default`` first if missing."""
        return self.__dict__.setdefault(name, default)

    def __contains__(self, item: str) -> bool:
        return item in self.__dict__

    def __iter__(self) -> t.Iterator[str]:
        return iter(self.__dict__)

    def _get_current_object(self) -> _AppCtxGlobals:
        return self

    def __repr__(self) -> str:
        from . import _env
        from .globals import current_app

        try:
            return f"<{_env.PREFIX.lower()}.g of '{current_app.name}'>"
        except RuntimeError:
            return object.__repr__(self)


class _NoContext:
    """The value of the context variable when nothing is pushed."""

    __slots__ = ()

    @property
    def app(self) -> Vial:
        raise RuntimeError(_NO_APP)

    @property
    def g(self) -> _AppCtxGlobals:
        raise RuntimeError(_NO_APP)

    @property
    def request(self) -> Request:
        raise RuntimeError(_NO_REQUEST)

    @property
    def session(self) -> SessionMixin:
        raise RuntimeError(_NO_REQUEST)


_NO_CONTEXT = _NoContext()
_cv_ctx: contextvars.ContextVar[t.Any] = contextvars.ContextVar("vial.ctx", default=_NO_CONTEXT)
#: ``_cv_ctx.get``, read once: other modules import it, and Python 3.11 treats a
#: name bound by an import as a module, so ``_cv_ctx.get()`` there would be an
#: unspecialised attribute lookup per call.
_current_ctx = _cv_ctx.get


class AppContext:
    """Makes ``current_app`` and ``g`` available; created by ``app.app_context()``.

    Use it as a context manager, or call :meth:`push` and :meth:`pop`.
    """

    __slots__ = ("_g", "_nested", "_token", "app", "url_adapter")

    def __init__(self, app: Vial) -> None:
        self.app = app
        self._g: _AppCtxGlobals | None = None
        #: The token of the outermost push, None when not pushed. A context is
        #: nearly always pushed once: a plain slot is cheaper than a list.
        self._token: contextvars.Token[t.Any] | None = None
        #: The tokens of further pushes of this same context, innermost last.
        self._nested: list[contextvars.Token[t.Any]] | None = None

    @property
    def g(self) -> _AppCtxGlobals:
        """The ``g`` namespace of this context, created on first use."""
        g = self._g
        if g is None:
            g = self._g = self.app.app_ctx_globals_class()
        return g

    @property
    def request(self) -> Request:
        raise RuntimeError(_NO_REQUEST)

    @property
    def session(self) -> SessionMixin:
        raise RuntimeError(_NO_REQUEST)

    def push(self) -> None:
        """Make this the current context."""
        _push_token(self, _cv_ctx.set(self))
        if signals.appcontext_pushed.receivers:
            signals.appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Tear down and remove this context; ``exc`` is passed to the teardown functions."""
        try:
            if self._token is not None and not self._nested:
                if exc is _sentinel:
                    exc = sys.exc_info()[1]
                self.app.do_teardown_appcontext(exc)
        finally:
            _pop_token(self)
        if signals.appcontext_popped.receivers:
            signals.appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.pop(exc_value)

    def _get_current_object(self) -> AppContext:
        return self

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self.app.name!r}>"


def _push_token(ctx: AppContext, token: contextvars.Token[t.Any]) -> None:
    if ctx._token is None:
        ctx._token = token
    elif ctx._nested is None:
        ctx._nested = [token]
    else:
        ctx._nested.append(token)


def _pop_token(ctx: AppContext) -> None:
    """Reset the context variable to what it was before the innermost push of ``ctx``."""
    current = _cv_ctx.get()
    nested = ctx._nested
    if nested:
        _cv_ctx.reset(nested.pop())
    else:
        token = ctx._token
        if token is None:
            raise RuntimeError(f"Cannot pop {ctx!r}: it is not pushed.")
        ctx._token = None
        _cv_ctx.reset(token)
    if current is not ctx:
        raise AssertionError(f"Popped wrong context. ({current!r} instead of {ctx!r})")


class RequestContext(AppContext):
    """The context of one request: ``request`` and ``session`` besides ``current_app`` and ``g``.

    Pushed by the app for every request and by ``app.test_request_context()``.
    When no application context of the same app is active, it acts as the
    application context too, and runs the app's teardown functions for both.
    """

    __slots__ = (
        "_after_request_functions",
        "_async_teardown",
        "_held",
        "_owns_app_context",
        "_preserve",
        "_session",
        "request",
    )

    def __init__(self, app: Vial, request: Request, session: SessionMixin | None = None) -> None:
        self.app = app
        self.request = request  # type: ignore[misc]
        self._g = None
        self._token = None
        self._nested = None
        self._session = session
        self._owns_app_context = True
        #: True when the ASGI path already awaited the teardown functions.
        self._async_teardown = False
        #: Streams (``stream_with_context``) still using this context after the view.
        self._held = 0
        #: The test client's hook to keep this context after the request.
        self._preserve: t.Callable[[RequestContext], None] | None = None
        self._after_request_functions: list[t.Callable[[t.Any], t.Any]] | None = None

    @property
    def session(self) -> SessionMixin:
        """The session, opened from the request's cookie the first time it is used."""
        session = self._session
        if session is None:
            session = self._session = self.app._open_session(self.request)
        return session

    @session.setter
    def session(self, value: SessionMixin) -> None:
        self._session = value

    def copy(self) -> RequestContext:
        """Return a new context for the same request object and session."""
        return type(self)(self.app, self.request, self._session)

    def push(self) -> None:
        """Make this the current context, sharing ``g`` with an enclosing app context."""
        outer = _cv_ctx.get()
        if type(outer) is AppContext and outer.app is self.app:
            self._g = outer.g
            self._owns_app_context = False
        token = _cv_ctx.set(self)
        if self._token is None:
            self._token = token
        else:
            _push_token(self, token)
        if self._owns_app_context and signals.appcontext_pushed.receivers:
            signals.appcontext_pushed.send(self.app, _async_wrapper=self.app.ensure_sync)
        if not self.request._matched:
            self.app._match_request(self.request)

    def pop(self, exc: BaseException | None = _sentinel) -> None:
        """Run the teardown functions and remove this context."""
        token = self._token
        try:
            if token is not None and not self._nested and not self._held:
                app = self.app
                if (
                    not app._quiet_teardown
                    or self.request._uploads
                    or signals.request_tearing_down.receivers
                    or signals.appcontext_tearing_down.receivers
                ):
                    if exc is _sentinel:
                        exc = sys.exc_info()[1]
                    app._teardown(self, exc)
        finally:
            if token is None or self._nested:
                _pop_token(self)
            else:
                # The common case of _pop_token, written out: one call less.
                current = _cv_ctx.get()
                self._token = None
                _cv_ctx.reset(token)
                if current is not self:
                    raise AssertionError(f"Popped wrong context. ({current!r} instead of {self!r})")
        if self._owns_app_context and signals.appcontext_popped.receivers:
            signals.appcontext_popped.send(self.app, _async_wrapper=self.app.ensure_sync)

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def _release(self) -> None:
        """A stream using this context ended: tear down if nothing else holds it."""
        self._held -= 1
        if not self._held and self._token is None:
            self.app._teardown(self, None)

    def __repr__(self) -> str:
        request = self.request
        return f"<{type(self).__name__} '{request.url}' [{request.method}] of {self.app.name}>"


def has_app_context() -> bool:
    """Tell whether an application context (or a request context) is active."""
    return _cv_ctx.get() is not _NO_CONTEXT


def has_request_context() -> bool:
    """Tell whether a request context is active."""
    return isinstance(_cv_ctx.get(), RequestContext)


def _request_ctx() -> RequestContext:
    ctx = _cv_ctx.get()
    if not isinstance(ctx, RequestContext):
        raise RuntimeError(_NO_REQUEST)
    return ctx


def after_this_request(f: F) -> F:
    """Run ``f(response)`` after the current request, before the app's after_request hooks.

    It must return a response object (the same or a new one).
    """
    ctx = _cv_ctx.get()
    if not isinstance(ctx, RequestContext):
        raise RuntimeError(
            "'after_this_request' can only be used when a request context is active,"
            " such as in a view function."
        )
    if ctx._after_request_functions is None:
        ctx._after_request_functions = []
    ctx._after_request_functions.append(f)
    return f


def copy_current_request_context(f: F) -> F:
    """Decorate ``f`` so that it runs inside a copy of the current request context.

    Useful for work handed to a thread or greenlet that still needs
    ``request`` and ``session``.
    """
    ctx = _cv_ctx.get()
    if not isinstance(ctx, RequestContext):
        raise RuntimeError(
            "'copy_current_request_context' can only be used when a request context is"
            " active, such as in a view function."
        )
    copied = ctx.copy()

    def wrapper(*args: t.Any, **kwargs: t.Any) -> t.Any:
        with copied:
            return copied.app.ensure_sync(f)(*args, **kwargs)

    return t.cast(F, functools.update_wrapper(wrapper, f))
