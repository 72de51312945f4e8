"""Griffe extension: document ``@lazy`` methods of vial as cached properties.

``vial._lazy.lazy`` computes an attribute on first access and stores it on
the instance, like ``functools.cached_property``; without this extension the
API reference would show those attributes as methods.
"""

from __future__ import annotations

from typing import Any

import griffe


class LazyProperties(griffe.Extension):
    def on_function_instance(self, *, func: griffe.Function, **kwargs: Any) -> None:
        if not any(d.callable_path == "vial._lazy.lazy" for d in func.decorators):
            return
        attribute = griffe.Attribute(
            func.name,
            value=None,
            annotation=func.returns,
            lineno=func.lineno,
            endlineno=func.endlineno,
            docstring=func.docstring,
            analysis="static",
        )
        attribute.labels.update({"property", "cached"})
        func.parent.set_member(func.name, attribute)  # type: ignore[union-attr]
