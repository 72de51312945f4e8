"""The suite's one exception, and the import path its child processes need."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["BenchError", "python_path"]

ROOT = Path(__file__).resolve().parent.parent


class BenchError(Exception):
    """A benchmark cannot run: a wrong answer, a missing tool, a bad option."""


def python_path() -> str:
    """``PYTHONPATH`` for a child process: the repository root (so ``bench`` imports),
    then whatever the caller had."""
    inherited = os.environ.get("PYTHONPATH")
    return f"{ROOT}{os.pathsep}{inherited}" if inherited else str(ROOT)
