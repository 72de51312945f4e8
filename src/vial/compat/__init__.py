"""Run Flask code on vial: :func:`install_as_flask` makes ``import flask`` give vial.

Nothing here is imported by ``import vial``; a project opts in by calling
:func:`install_as_flask` before anything imports ``flask``::

    import vial.compat

    vial.compat.install_as_flask()

    from flask import Flask  # vial.Vial
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import types
import typing as t

from .. import _env
from ._modules import FLASK_MODULES, PACKAGES

__all__ = ["FLASK_VERSION", "install_as_flask"]

#: The Flask release whose module names and API the shim follows (``flask.__version__``).
FLASK_VERSION = "3.1.3"


def install_as_flask() -> None:
    """Put vial into ``sys.modules`` under Flask's module names, and read ``FLASK_*`` variables.

    After it, ``import flask``, ``from flask.testing import FlaskClient`` and the
    other Flask 3.1 module names give vial's objects (``flask.Flask`` is
    :class:`vial.Vial`), and vial reads ``FLASK_APP``, ``FLASK_DEBUG``,
    ``FLASK_RUN_*``, ``FLASK_ENV_FILE`` and ``.flaskenv`` instead of the
    ``VIAL_*`` names. Calling it again does nothing.

    The stub ``Flask`` distribution (``vial compat install``) calls it when
    ``flask`` is first imported, so code in that environment needs no call.

    Raises:
        RuntimeError: the real Flask is already imported; call this first, before
            anything (an extension, a test plugin) imports ``flask``.
    """
    existing = sys.modules.get("flask")
    if isinstance(existing, _FlaskModule):
        return
    # The stub distribution's ``flask`` (``vial compat install``) calls this while it is imported.
    stub = existing if getattr(existing, "__vial_stub__", False) else None
    if existing is not None and stub is None:
        raise RuntimeError(
            f"The real Flask is already imported (from {getattr(existing, '__file__', '?')}),"
            " so the modules that imported it would not use vial: call"
            " vial.compat.install_as_flask() before anything imports flask."
        )

    _env.PREFIX = "FLASK"
    modules = {name: _FlaskModule(name, exports) for name, exports in FLASK_MODULES.items()}
    modules["flask"].__version__ = FLASK_VERSION
    if stub is not None:
        # The stub's folder holds flask/__main__.py: ``python -m flask`` finds it there.
        modules["flask"]._search_in(list(stub.__path__))
    for name, module in modules.items():
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(modules[parent], child, module)
            modules[parent].__all__ = sorted([*modules[parent].__all__, child])
    # The root last: an import racing this one sees either no flask or all of it.
    for name in sorted(modules, key=lambda name: name.count("."), reverse=True):
        sys.modules[name] = modules[name]


class _FlaskModule(types.ModuleType):
    """One Flask module name; each of its names imports its vial module when first read."""

    __all__: list[str]
    __version__: str

    def __init__(self, name: str, exports: dict[str, str]) -> None:
        super().__init__(name, f"Flask's {name} module, served by vial.")
        is_package = name in PACKAGES
        self.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=is_package)
        self.__package__ = name if is_package else name.rpartition(".")[0]
        if is_package:
            self.__path__: list[str] = []
        self.__all__ = sorted(exports)
        self._vial_exports = exports

    def _search_in(self, folders: list[str]) -> None:
        """Let the import system find submodules not in ``sys.modules`` in ``folders``."""
        self.__path__ = folders
        if self.__spec__ is not None:
            self.__spec__.submodule_search_locations = folders

    def __getattr__(self, attribute: str) -> t.Any:
        # Only called for names not set yet; a resolved name is stored and found directly.
        target = self.__dict__.get("_vial_exports", {}).get(attribute)
        if target is None:
            raise AttributeError(
                f"module {self.__name__!r} has no attribute {attribute!r}: vial does not"
                " provide this Flask name yet (vial's compat guide lists what is missing)."
            )
        module_name, _, source = target.partition(":")
        value = getattr(importlib.import_module(module_name), source)
        setattr(self, attribute, value)
        return value

    def __dir__(self) -> list[str]:
        return sorted({*self.__dict__, *self._vial_exports})
