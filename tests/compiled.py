"""Reaching the compiled twins of pure-Python code (``vial._speedups``) in tests."""

from __future__ import annotations

import os
import typing as t

import pytest


def compiled(name: str) -> t.Any:
    """``vial._speedups.<name>``; when the extension is not built, the test is skipped,
    or fails where ``VIAL_REQUIRE_SPEEDUPS`` is set (CI builds it)."""
    try:
        from vial import _speedups
    except ImportError:
        reason = "vial._speedups is not built (no C compiler when vial was installed)"
        if os.environ.get("VIAL_REQUIRE_SPEEDUPS"):
            pytest.fail(reason)
        pytest.skip(reason)
    return getattr(_speedups, name)
