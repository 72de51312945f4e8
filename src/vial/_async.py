"""Bridges between sync and async code, shared by the WSGI and ASGI paths."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import threading
import typing as t

__all__ = ["async_to_sync", "is_async_callable", "run_in_thread", "to_async"]

T = t.TypeVar("T")

#: The event loop of the ASGI server, seen by sync code it runs in worker threads.
_cv_loop: contextvars.ContextVar[asyncio.AbstractEventLoop | None] = contextvars.ContextVar(
    "vial.loop", default=None
)
_local = threading.local()


def is_async_callable(func: t.Any) -> bool:
    """True for ``async def`` functions, also behind ``functools.partial`` or ``__call__``."""
    while isinstance(func, functools.partial):
        func = func.func
    return inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(
        getattr(func, "__call__", None)  # noqa: B004 - a callable object's async __call__
    )


def _run(coro: t.Coroutine[t.Any, t.Any, T]) -> T:
    loop = _cv_loop.get()
    if loop is not None and loop.is_running():
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is not loop:
            return asyncio.run_coroutine_threadsafe(coro, loop).result()
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        coro.close()
        raise RuntimeError(
            "An async function was called from sync code running inside the event loop;"
            " await it instead, or make the caller async."
        )
    holder: _RunnerHolder | None = getattr(_local, "holder", None)
    if holder is None:
        holder = _local.holder = _RunnerHolder()
    return holder.runner.run(coro, context=contextvars.copy_context())


class _RunnerHolder:
    """A thread's event loop for sync callers of async code, closed with the thread."""

    def __init__(self) -> None:
        self.runner = asyncio.Runner()

    def __del__(self) -> None:
        self.runner.close()


def async_to_sync(func: t.Callable[..., t.Coroutine[t.Any, t.Any, T]]) -> t.Callable[..., T]:
    """Wrap an ``async def`` function so that sync code can call it.

    Under an ASGI server the coroutine runs on the server's loop (the caller is
    a worker thread); under WSGI on an event loop kept per thread.
    """

    @functools.wraps(func)
    def wrapper(*args: t.Any, **kwargs: t.Any) -> T:
        return _run(func(*args, **kwargs))

    return wrapper


async def run_in_thread(func: t.Callable[..., T], *args: t.Any) -> T:
    """Run sync ``func(*args)`` in the loop's thread pool, with the current context."""
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    ctx.run(_cv_loop.set, loop)
    return await loop.run_in_executor(None, functools.partial(ctx.run, func, *args))


def to_async(func: t.Callable[..., t.Any]) -> t.Callable[..., t.Awaitable[t.Any]]:
    """Return an awaitable-returning version of ``func``: itself if async, else threaded."""
    if is_async_callable(func):
        return func

    @functools.wraps(func)
    async def wrapper(*args: t.Any) -> t.Any:
        return await run_in_thread(func, *args)

    return wrapper
