"""A cached-property descriptor for the hot-path classes."""

from __future__ import annotations

import typing as t

T = t.TypeVar("T")


class lazy(t.Generic[T]):
    """Compute an attribute on first access and store it in the instance ``__dict__``.

    A non-data descriptor: once stored, reads hit the instance dict directly,
    so a cached attribute costs what a plain attribute costs. Unlike
    ``functools.cached_property`` on Python 3.11 it takes no lock.
    """

    def __init__(self, fget: t.Callable[[t.Any], T]) -> None:
        self.fget = fget
        self.name = fget.__name__
        self.__doc__ = fget.__doc__

    @t.overload
    def __get__(self, obj: None, owner: type | None = None) -> lazy[T]: ...

    @t.overload
    def __get__(self, obj: object, owner: type | None = None) -> T: ...

    def __get__(self, obj: object | None, owner: type | None = None) -> T | lazy[T]:
        if obj is None:
            return self
        value = obj.__dict__[self.name] = self.fget(obj)
        return value
