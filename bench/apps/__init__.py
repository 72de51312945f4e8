"""The frameworks under test: one module per framework and interface, each exposing ``app``.

A module may set ``SKIP`` to the names of scenarios its framework has no
idiomatic way to serve (the tables show "n/a" there).
"""

from __future__ import annotations

import importlib
import typing as t
from dataclasses import dataclass

from bench.errors import BenchError

__all__ = ["FRAMEWORKS", "Framework", "LoadedApp", "select"]

Interface = t.Literal["wsgi", "asgi"]


@dataclass(frozen=True)
class LoadedApp:
    """An imported app and the scenarios it skips."""

    app: t.Any
    skip: frozenset[str]


@dataclass(frozen=True)
class Framework:
    """One framework on one interface: where its app lives and what to call it."""

    name: str
    interface: Interface
    module: str
    label: str
    distribution: str | None = None

    @property
    def key(self) -> str:
        """A unique id, e.g. ``falcon-asgi``."""
        return f"{self.name}-{self.interface}"

    @property
    def title(self) -> str:
        """How tables and messages name it: ``Falcon (ASGI)``, ``raw WSGI``."""
        return self.label if self.name == "raw" else f"{self.label} ({self.interface.upper()})"

    @property
    def target(self) -> str:
        """The ``module:attribute`` a server loads."""
        return f"{self.module}:app"

    def load(self) -> LoadedApp:
        """Import the app module (the first time) and return its app."""
        module = importlib.import_module(self.module)
        return LoadedApp(module.app, frozenset(getattr(module, "SKIP", ())))


def _fw(name: str, interface: Interface, module: str, label: str, dist: str | None) -> Framework:
    return Framework(name, interface, f"bench.apps.{module}", label, dist)


# vial first (the ratios' base), then the peers, then the raw floor.
FRAMEWORKS: tuple[Framework, ...] = (
    _fw("vial", "wsgi", "vial_wsgi", "vial", "vial-framework"),
    _fw("flask", "wsgi", "flask_app", "Flask", "flask"),
    _fw("bottle", "wsgi", "bottle_app", "Bottle", "bottle"),
    _fw("falcon", "wsgi", "falcon_wsgi", "Falcon", "falcon"),
    _fw("raw", "wsgi", "raw_wsgi", "raw WSGI", None),
    _fw("vial", "asgi", "vial_asgi", "vial", "vial-framework"),
    _fw("starlette", "asgi", "starlette_app", "Starlette", "starlette"),
    _fw("fastapi", "asgi", "fastapi_app", "FastAPI", "fastapi"),
    _fw("falcon", "asgi", "falcon_asgi", "Falcon", "falcon"),
    _fw("quart", "asgi", "quart_app", "Quart", "quart"),
    _fw("raw", "asgi", "raw_asgi", "raw ASGI", None),
)


def select(names: str | None, interface: str = "both") -> list[Framework]:
    """Frameworks named in a comma-separated list (``falcon`` or ``falcon-asgi``; all when
    None or ``all``) on ``interface``: ``wsgi``, ``asgi`` or ``both``."""
    chosen = [f for f in FRAMEWORKS if interface in ("both", f.interface)]
    if not names or names == "all":
        return chosen
    wanted = {n.strip() for n in names.split(",")}
    known = {f.name for f in FRAMEWORKS} | {f.key for f in FRAMEWORKS}
    unknown = wanted - known
    if unknown:
        raise BenchError(
            f"unknown framework {', '.join(sorted(unknown))}: choose from"
            f" {', '.join(sorted(known))}"
        )
    return [f for f in chosen if f.name in wanted or f.key in wanted]
