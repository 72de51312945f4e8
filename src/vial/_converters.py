"""URL converters: how a variable part of a rule becomes a Python value and back.

``vial.routing`` re-exports every public name here. The interface is
Werkzeug's, so Werkzeug converter subclasses work in a vial :class:`Map`.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from werkzeug.routing import BaseConverter as _WerkzeugBaseConverter
from werkzeug.routing import ValidationError

if TYPE_CHECKING:
    from .routing import Map

# Characters left unquoted in a path segment (WHATWG "url-path-segment-string").
_PATH_SAFE = "!$&'()*+,/:;=@"
_is_path_safe = re.compile(r"[A-Za-z0-9_.~!$&'()*+,/:;=@-]*").fullmatch


class BaseConverter:
    """Turn one variable part of a URL into a Python value and back.

    Subclasses set ``regex`` (what the part matches), ``weight`` (lower is tried
    first among converters at the same position) and ``part_isolating`` (False
    when the regex may span slashes; then the rest of the path is matched at once).
    The interface is Werkzeug's, so Werkzeug converter classes work in a
    :class:`Map` too.
    """

    regex: str = "[^/]+"
    weight: int = 100
    part_isolating: bool = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own_regex = cls.__dict__.get("regex")
        if isinstance(own_regex, str) and "part_isolating" not in cls.__dict__:
            cls.part_isolating = "/" not in own_regex

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        self.map = map

    def to_python(self, value: str) -> Any:
        """Convert the matched text; raise :class:`ValidationError` to reject it."""
        return value

    def to_url(self, value: Any) -> str:
        """Convert a value to URL text, percent-quoting unsafe characters."""
        text = str(value)
        if _is_path_safe(text):
            return text
        return quote(text, safe=_PATH_SAFE)


class UnicodeConverter(BaseConverter):
    """The default converter: one path segment of any text, e.g. ``<string(length=2):lang>``.

    ``minlength``, ``maxlength`` and ``length`` bound the number of characters.
    """

    def __init__(
        self,
        map: Map,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        if length is not None:
            quantifier = f"{{{int(length)}}}"
        else:
            upper = "" if maxlength is None else str(int(maxlength))
            quantifier = f"{{{int(minlength)},{upper}}}"
        self.regex = f"[^/]{quantifier}"


class AnyConverter(BaseConverter):
    """Match one of fixed items: ``<any(about, help, "foo,bar"):page>``."""

    def __init__(self, map: Map, *items: str) -> None:
        super().__init__(map)
        if not items:
            raise ValueError("any() needs at least one item")
        self.items = frozenset(str(item) for item in items)
        self.regex = "(?:" + "|".join(re.escape(str(item)) for item in items) + ")"

    def to_url(self, value: Any) -> str:
        """Quote ``value``; raise ``ValueError`` when it is not one of the items."""
        if str(value) in self.items:
            return super().to_url(value)
        choices = ", ".join(repr(item) for item in sorted(self.items))
        raise ValueError(f"{value!r} is not one of {choices}")


class PathConverter(BaseConverter):
    """Like the default converter but also matches slashes: ``<path:page>``."""

    regex = "[^/].*?"
    weight = 200
    part_isolating = False


class _NumberConverter(BaseConverter):
    """Shared range and digit checks of :class:`IntegerConverter` and :class:`FloatConverter`."""

    weight = 50

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map)
        if signed:
            self.regex = "-?" + type(self).regex
        self.fixed_digits = fixed_digits
        self.min = min
        self.max = max
        self.signed = signed

    def _number(self, value: Any) -> int | float:
        raise NotImplementedError

    def to_python(self, value: str) -> Any:
        """Parse the number; reject wrong digit counts and values out of range."""
        if self.fixed_digits and len(value) != self.fixed_digits:
            raise ValidationError()
        try:
            number = self._number(value)
        except ValueError:
            raise ValidationError() from None
        if (self.min is not None and number < self.min) or (
            self.max is not None and number > self.max
        ):
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        """Format the number, zero-padded to ``fixed_digits``."""
        text = str(self._number(value))
        if self.fixed_digits:
            text = text.zfill(self.fixed_digits)
        return text


class IntegerConverter(_NumberConverter):
    """Non-negative integers (``signed=True`` allows negatives): ``<int(min=1):page>``.

    ``fixed_digits`` requires exactly that many digits (``/0042``); ``min`` and
    ``max`` bound the value.
    """

    regex = r"\d+"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)

    def _number(self, value: Any) -> int:
        return int(value)


class FloatConverter(_NumberConverter):
    """Non-negative decimals such as ``1.5`` (``signed=True`` allows negatives)."""

    regex = r"\d+\.\d+"

    def __init__(
        self,
        map: Map,
        min: float | None = None,
        max: float | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map, 0, min, max, signed)

    def _number(self, value: Any) -> float:
        return float(value)


class UUIDConverter(BaseConverter):
    """UUID strings, converted to :class:`uuid.UUID`.

    Weighs like ``int`` (Werkzeug: like ``string``), so ``<uuid:id>`` is tried
    before ``<name>`` at the same position whatever order the rules were added in.
    """

    weight = 50
    regex = r"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        """Return the :class:`uuid.UUID`."""
        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        """Return the canonical text of the UUID."""
        return str(value)


#: Converter names available in every :class:`Map`.
DEFAULT_CONVERTERS: dict[str, type[BaseConverter]] = {
    "default": UnicodeConverter,
    "string": UnicodeConverter,
    "any": AnyConverter,
    "path": PathConverter,
    "int": IntegerConverter,
    "float": FloatConverter,
    "uuid": UUIDConverter,
}

_IDENTITY_TO_PYTHON = (BaseConverter.to_python, _WerkzeugBaseConverter.to_python)


def _parser(converter: Any) -> Callable[[str], Any]:
    """The converter's ``to_python``, or plain ``int`` for an unconstrained ``<int>``."""
    if (
        isinstance(converter, IntegerConverter)
        and type(converter).to_python is _NumberConverter.to_python
        and type(converter)._number is IntegerConverter._number
        and not converter.fixed_digits
        and converter.min is None
        and converter.max is None
    ):
        return int
    parse: Callable[[str], Any] = converter.to_python
    return parse
