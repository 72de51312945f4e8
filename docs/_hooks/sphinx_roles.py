"""MkDocs hook: show Sphinx cross-reference roles in docstrings as code.

vial's docstrings use roles such as :class:`~vial.Vial` and :meth:`push`.
mkdocstrings renders them as literal ``:class:`` text followed by code; this
hook keeps only the code (the last dotted part for a ``~`` target).
"""

from __future__ import annotations

import re
from typing import Any

_ROLE = re.compile(
    r":(?:py:)?(?:attr|class|meth|func|data|mod|exc|obj|const):<code>(~?)([^<]*)</code>"
)


def _replace(match: re.Match[str]) -> str:
    short, target = match.groups()
    if short:
        target = target.rpartition(".")[2]
    return f"<code>{target}</code>"


def on_page_content(html: str, **kwargs: Any) -> str:
    # A reST literal-block marker ("Example::") reads as a plain colon here.
    return _ROLE.sub(_replace, html).replace("::</p>", ":</p>")
