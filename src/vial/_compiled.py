"""Choosing between a compiled twin in ``vial._speedups`` and its pure-Python version.

``vial._speedups`` (src/vial/_speedups.c) is built at install where a C
compiler is at hand; without it, every name falls back to the Python code it
mirrors, which the tests hold to the same results.
"""

from __future__ import annotations

import typing as t

T = t.TypeVar("T")

try:
    from . import _speedups
except ImportError:  # not built: no compiler at install time, or not CPython
    _speedups = None  # type: ignore[assignment]


def compiled_or(python: T, name: str) -> T:
    """``vial._speedups.<name>`` where the extension is built, else ``python``."""
    if _speedups is None:
        return python
    return getattr(_speedups, name)  # type: ignore[no-any-return]
