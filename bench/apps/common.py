"""What every benchmark app shares: data, folders, the 30 filler rules, a Jinja environment.

The apps import their answers' inputs from here so that every framework
renders the same template with the same items and signs sessions with the
same key; each app still writes its own views, the way its docs show.
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

__all__ = [
    "FILLER_RULES",
    "ITEMS",
    "SECRET_KEY",
    "STATIC_DIR",
    "TEMPLATE_DIR",
    "TITLE",
    "filler_rules",
    "jinja_env",
]

BENCH_DIR = Path(__file__).resolve().parent.parent
TEMPLATE_DIR = str(BENCH_DIR / "templates")
STATIC_DIR = str(BENCH_DIR / "static")
SECRET_KEY = "benchmark-secret-key-not-for-production"

TITLE = "Twenty items"
# Each item needs escaping, so the template scenario measures autoescape too.
ITEMS = tuple(f"<b>Item {i}</b> & 'friends'" for i in range(20))

# 30 rules besides the scenario routes, in Flask syntax; some share the
# /users/<name> prefix with the parameter scenario's rule.
FILLER_RULES: tuple[str, ...] = (
    "/users",
    "/users/<name>",
    "/users/<name>/followers",
    "/users/<name>/following",
    "/users/<name>/posts",
    *(
        ("/section{i}", "/section{i}/<int:item_id>", "/section{i}/<slug>/edit")[i % 3].format(i=i)
        for i in range(25)
    ),
)
assert len(FILLER_RULES) == 30

_FLASK_VAR = re.compile(r"<(?:(\w+):)?(\w+)>")


def filler_rules(style: str) -> list[str]:
    """The filler rules in a router's syntax: ``flask``, ``bottle`` or ``braces``.

    ``braces`` is Falcon's and Starlette's ``{name}`` / ``{name:int}``.
    """
    if style == "flask":
        return list(FILLER_RULES)

    def bottle(m: re.Match[str]) -> str:
        return f"<{m[2]}:{m[1]}>" if m[1] else f"<{m[2]}>"

    def braces(m: re.Match[str]) -> str:
        return f"{{{m[2]}:{m[1]}}}" if m[1] else f"{{{m[2]}}}"

    replace = {"bottle": bottle, "braces": braces}[style]
    return [_FLASK_VAR.sub(replace, rule) for rule in FILLER_RULES]


def jinja_env() -> jinja2.Environment:
    """A Jinja environment over the shared templates, for frameworks without an integration."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=jinja2.select_autoescape(),
        auto_reload=False,
    )
