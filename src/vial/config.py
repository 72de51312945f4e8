"""Application configuration: a dict that loads itself from files, objects and the environment."""

from __future__ import annotations

import errno
import json
import os
import types
from collections.abc import Callable, Mapping, MutableMapping
from typing import IO, Any, Generic, Protocol, Self, TypeVar, overload

from werkzeug.utils import import_string

from . import _env

__all__ = ["Config", "ConfigAttribute"]

T = TypeVar("T")

# A file that is absent (or whose parent is not a directory) is what ``silent=True`` forgives;
# a permission error or a syntax error in the file never is.
_MISSING_FILE_ERRNOS = frozenset({errno.ENOENT, errno.EISDIR, errno.ENOTDIR})


class _HasConfig(Protocol):
    @property
    def config(self) -> MutableMapping[str, Any]: ...


class ConfigAttribute(Generic[T]):
    """Descriptor that forwards an attribute of the app to ``app.config[name]``.

    Reading the attribute returns the config value, passed through ``get_converter`` if
    one is given; assigning to it stores the value in the config unchanged::

        class Vial:
            testing = ConfigAttribute[bool]("TESTING")
    """

    def __init__(self, name: str, get_converter: Callable[[Any], T] | None = None) -> None:
        self.__name__ = name
        self.get_converter = get_converter

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...

    @overload
    def __get__(self, obj: _HasConfig, owner: type[Any] | None = None) -> T: ...

    def __get__(self, obj: _HasConfig | None, owner: type[Any] | None = None) -> T | Self:
        if obj is None:
            return self
        value = obj.config[self.__name__]
        if self.get_converter is not None:
            return self.get_converter(value)
        return value  # type: ignore[no-any-return]

    def __set__(self, obj: _HasConfig, value: Any) -> None:
        obj.config[self.__name__] = value


class Config(dict[str, Any]):
    """A ``dict`` of settings with helpers that fill it from files, objects and the environment.

    Only uppercase keys are taken from Python files, objects and mappings, so a config
    module may use lowercase names for its own helper values::

        app.config.from_object("myapp.default_settings")
        app.config.from_envvar("MYAPP_SETTINGS", silent=True)
        app.config.from_prefixed_env()

    Args:
        root_path: directory that relative file names are resolved against; for an app's
            config this is the app's ``root_path``.
        defaults: initial values.
    """

    def __init__(
        self, root_path: str | os.PathLike[str], defaults: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(defaults or {})
        self.root_path = root_path

    def from_envvar(self, variable_name: str, silent: bool = False) -> bool:
        """Load the Python config file whose path is in the environment variable ``variable_name``.

        Returns ``True`` if the file was loaded. With ``silent=True``, an unset variable or a
        missing file returns ``False`` instead of raising.

        Raises:
            RuntimeError: the variable is unset or empty (and ``silent`` is false).
            OSError: the file cannot be read (see :meth:`from_pyfile`).
        """
        path = os.environ.get(variable_name)
        if not path:
            if silent:
                return False
            raise RuntimeError(
                f"The environment variable {variable_name!r} is not set, so no configuration"
                f" was loaded from it: set {variable_name} to the path of a configuration file,"
                " or pass silent=True to continue without it."
            )
        return self.from_pyfile(path, silent=silent)

    def from_prefixed_env(
        self, prefix: str | None = None, *, loads: Callable[[str], Any] = json.loads
    ) -> bool:
        """Load every environment variable named ``{prefix}_KEY`` into ``self["KEY"]``.

        ``prefix`` defaults to ``VIAL`` (``FLASK`` after ``vial.compat.install_as_flask()``).

        Variables are read in sorted order. Each value goes through ``loads`` (JSON by
        default, so ``VIAL_DEBUG=true`` gives ``True``); if that raises, the raw string is
        kept. A double underscore sets a nested key: ``VIAL_DB__HOST=x`` sets
        ``self["DB"]["HOST"]``, creating ``self["DB"]`` as a dict if it is missing.

        Returns ``True``.

        Raises:
            TypeError: a nested key goes through an existing value that is not a dict.
        """
        prefix = f"{_env.PREFIX if prefix is None else prefix}_"
        for env_key in sorted(os.environ):
            if not env_key.startswith(prefix):
                continue
            raw = os.environ[env_key]
            try:
                value = loads(raw)
            except Exception:
                value = raw

            *parents, last = env_key.removeprefix(prefix).split("__")
            target: MutableMapping[str, Any] = self
            for depth, part in enumerate(parents):
                child = target.setdefault(part, {})
                if not isinstance(child, MutableMapping):
                    path = "__".join(parents[: depth + 1])
                    raise TypeError(
                        f"Cannot set {env_key}: config key {path!r} holds a"
                        f" {type(child).__name__}, not a dict. Remove the nested variable"
                        f" or make {path!r} a dict."
                    )
                target = child
            target[last] = value
        return True

    def from_pyfile(self, filename: str | os.PathLike[str], silent: bool = False) -> bool:
        """Execute a Python file and load its uppercase globals, as :meth:`from_object` would.

        ``filename`` is absolute or relative to :attr:`root_path`. Returns ``True`` if the
        file was loaded; with ``silent=True`` a missing file returns ``False``.

        Raises:
            OSError: the file cannot be read; the message names the path.
        """
        path = os.path.join(self.root_path, filename)
        module = types.ModuleType("config")
        module.__file__ = path
        try:
            with open(path, "rb") as file:
                source = file.read()
        except OSError as exc:
            if silent and exc.errno in _MISSING_FILE_ERRNOS:
                return False
            _annotate_file_error(exc)
            raise
        exec(compile(source, path, "exec"), module.__dict__)
        self.from_object(module)
        return True

    def from_object(self, obj: object | str) -> None:
        """Load the uppercase attributes of an object, usually a module or a class.

        A string is imported first (``"myapp.settings"`` or ``"myapp.settings:Production"``
        style names, as :func:`werkzeug.utils.import_string` accepts). A ``dict`` does not
        work here because its keys are not attributes: use :meth:`from_mapping`. A class with
        ``@property`` settings must be instantiated before it is passed.
        """
        if isinstance(obj, str):
            obj = import_string(obj)
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def from_file(
        self,
        filename: str | os.PathLike[str],
        load: Callable[[IO[Any]], Mapping[str, Any]],
        silent: bool = False,
        text: bool = True,
    ) -> bool:
        """Load a data file with ``load`` and pass the result to :meth:`from_mapping`.

        ``filename`` is absolute or relative to :attr:`root_path`; it is opened in text mode,
        or binary mode when ``text`` is false::

            app.config.from_file("config.json", load=json.load)
            app.config.from_file("config.toml", load=tomllib.load, text=False)

        Returns ``True`` if the file was loaded; with ``silent=True`` a missing file returns
        ``False``.

        Raises:
            OSError: the file cannot be read; the message names the path.
        """
        path = os.path.join(self.root_path, filename)
        try:
            with open(path, "r" if text else "rb") as file:
                data = load(file)
        except OSError as exc:
            if silent and exc.errno in _MISSING_FILE_ERRNOS:
                return False
            _annotate_file_error(exc)
            raise
        return self.from_mapping(data)

    def from_mapping(self, mapping: Mapping[str, Any] | None = None, **kwargs: Any) -> bool:
        """Update the config like :meth:`dict.update`, keeping only uppercase keys.

        Returns ``True``.
        """
        items: dict[str, Any] = dict(mapping) if mapping is not None else {}
        items.update(kwargs)
        for key, value in items.items():
            if key.isupper():
                self[key] = value
        return True

    def get_namespace(
        self, namespace: str, lowercase: bool = True, trim_namespace: bool = True
    ) -> dict[str, Any]:
        """Return the settings whose keys start with ``namespace``, as a new dict.

        By default the prefix is removed and the keys are lowercased, which suits passing
        the result as keyword arguments::

            app.config["STORE_PATH"] = "/var/data"
            app.config.get_namespace("STORE_")  # {"path": "/var/data"}
        """
        result: dict[str, Any] = {}
        for key, value in self.items():
            if not key.startswith(namespace):
                continue
            name = key[len(namespace) :] if trim_namespace else key
            result[name.lower() if lowercase else name] = value
        return result

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {dict.__repr__(self)}>"


def _annotate_file_error(exc: OSError) -> None:
    """Reword an ``OSError`` from opening a config file in place, keeping its type and path.

    The wording is Flask's, which code and tests match on.
    """
    exc.strerror = f"Unable to load configuration file ({exc.strerror})"
