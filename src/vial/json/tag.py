"""Tagged JSON: lossless JSON for a few non-JSON types, used to serialize session cookies.

A value JSON cannot represent is written as a one-key object whose key is a tag, for
example ``(1, 2)`` as ``{" t":[1,2]}``. The format is the one Flask's session cookies use,
so a cookie signed by a Flask app with the same secret key decodes to the same data.

Built-in tags, tried in this order:

========  ==========================================================================
``" di"`` a one-key dict whose key looks like a tag (the key is stored with ``__`` appended)
(none)    other dicts: values are tagged, keys are kept as they are
``" t"``  :class:`tuple`, as a list of tagged items
(none)    :class:`list`: items are tagged
``" b"``  :class:`bytes`, as base64
``" m"``  anything with ``__html__`` (:class:`~markupsafe.Markup`), loaded as ``Markup``
``" u"``  :class:`uuid.UUID`, as 32 hex digits
``" d"``  :class:`datetime.datetime`, as an HTTP date (seconds precision, loaded in UTC)
========  ==========================================================================

To support another type, subclass :class:`JSONTag` and register it::

    class TagFrozenSet(JSONTag):
        key = " fs"

        def check(self, value):
            return isinstance(value, frozenset)

        def to_json(self, value):
            return [self.serializer.tag(item) for item in value]

        def to_python(self, value):
            return frozenset(value)

    app.session_interface.serializer.register(TagFrozenSet)

A tag for a subtype of a handled type (an ``OrderedDict`` is a ``dict``) must come before
that type's tag: pass ``index=0``.
"""

from __future__ import annotations

from base64 import b64decode, b64encode
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from markupsafe import Markup
from werkzeug.http import http_date, parse_date

from . import _current_provider, dumps, loads
from .provider import DefaultJSONProvider

_SCALARS = frozenset((str, int, float, bool, type(None)))

__all__ = ["JSONTag", "TaggedJSONSerializer"]


class JSONTag:
    """Base class of a type tag for :class:`TaggedJSONSerializer`.

    Subclasses set :attr:`key` and implement :meth:`check`, :meth:`to_json` and
    :meth:`to_python`. ``self.serializer`` is the serializer the tag is registered with;
    use ``self.serializer.tag(item)`` to tag values nested inside the converted value.
    """

    __slots__ = ("serializer",)

    key: ClassVar[str] = ""
    """The tag written as the object key; an empty key means the tag only converts values
    in place (as for dicts and lists) and is never looked up when loading."""

    def __init__(self, serializer: TaggedJSONSerializer) -> None:
        self.serializer = serializer

    def check(self, value: Any) -> bool:
        """Return whether this tag handles ``value``."""
        raise NotImplementedError

    def to_json(self, value: Any) -> Any:
        """Convert ``value`` to JSON-serializable data, without the tag."""
        raise NotImplementedError

    def to_python(self, value: Any) -> Any:
        """Convert the data :meth:`to_json` produced back to the Python value."""
        raise NotImplementedError

    def tag(self, value: Any) -> Any:
        """Convert ``value`` and wrap it as ``{key: data}``."""
        return {self.key: self.to_json(value)}


class TagDict(JSONTag):
    """A one-key dict whose key is a registered tag, which would otherwise load as that tag.

    The key is written with ``__`` appended and restored when loading.
    """

    __slots__ = ()
    key = " di"

    def check(self, value: Any) -> bool:
        return (
            isinstance(value, dict)
            and len(value) == 1
            and next(iter(value)) in self.serializer.tags
        )

    def to_json(self, value: Any) -> Any:
        ((key, item),) = value.items()
        return {f"{key}__": self.serializer.tag(item)}

    def to_python(self, value: Any) -> Any:
        key = next(iter(value))
        return {key[:-2]: value[key]}


class PassDict(JSONTag):
    """Any other dict: kept as an object, with each value tagged."""

    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, dict)

    def to_json(self, value: Any) -> Any:
        # JSON object keys are strings, so only the values can need tags.
        return {key: self.serializer.tag(item) for key, item in value.items()}

    def tag(self, value: Any) -> Any:
        return self.to_json(value)


class TagTuple(JSONTag):
    """A tuple, written as the list of its tagged items."""

    __slots__ = ()
    key = " t"

    def check(self, value: Any) -> bool:
        return isinstance(value, tuple)

    def to_json(self, value: Any) -> Any:
        return [self.serializer.tag(item) for item in value]

    def to_python(self, value: Any) -> Any:
        return tuple(value)


class PassList(JSONTag):
    """A list: kept as an array, with each item tagged."""

    __slots__ = ()

    def check(self, value: Any) -> bool:
        return isinstance(value, list)

    def to_json(self, value: Any) -> Any:
        return [self.serializer.tag(item) for item in value]

    def tag(self, value: Any) -> Any:
        return self.to_json(value)


class TagBytes(JSONTag):
    """Bytes, written as base64 text."""

    __slots__ = ()
    key = " b"

    def check(self, value: Any) -> bool:
        return isinstance(value, bytes)

    def to_json(self, value: Any) -> Any:
        return b64encode(value).decode("ascii")

    def to_python(self, value: Any) -> Any:
        return b64decode(value)


class TagMarkup(JSONTag):
    """An object with an ``__html__`` method, written as its HTML and loaded as ``Markup``."""

    __slots__ = ()
    key = " m"

    def check(self, value: Any) -> bool:
        return callable(getattr(value, "__html__", None))

    def to_json(self, value: Any) -> Any:
        return str(value.__html__())

    def to_python(self, value: Any) -> Any:
        return Markup(value)


class TagUUID(JSONTag):
    """A UUID, written as its 32 hex digits."""

    __slots__ = ()
    key = " u"

    def check(self, value: Any) -> bool:
        return isinstance(value, UUID)

    def to_json(self, value: Any) -> Any:
        return value.hex

    def to_python(self, value: Any) -> Any:
        return UUID(value)


class TagDateTime(JSONTag):
    """A datetime, written as an HTTP date; microseconds are dropped, and it loads in UTC."""

    __slots__ = ()
    key = " d"

    def check(self, value: Any) -> bool:
        return isinstance(value, datetime)

    def to_json(self, value: Any) -> Any:
        return http_date(value)

    def to_python(self, value: Any) -> Any:
        return parse_date(value)


class TaggedJSONSerializer:
    """Serialize values to compact JSON, tagging the types JSON cannot hold.

    Handles dicts, lists, tuples, bytes, :class:`~markupsafe.Markup`, :class:`uuid.UUID`
    and :class:`datetime.datetime`, nested in any combination; :meth:`register` adds
    types. It is the ``serializer`` that the session interface hands to itsdangerous.
    """

    __slots__ = ("_scalars_pass", "order", "tags")

    default_tags: ClassVar[list[type[JSONTag]]] = [
        TagDict,
        PassDict,
        TagTuple,
        PassList,
        TagBytes,
        TagMarkup,
        TagUUID,
        TagDateTime,
    ]
    """The tag classes each new serializer registers, in order."""

    def __init__(self) -> None:
        self.tags: dict[str, JSONTag] = {}
        self.order: list[JSONTag] = []
        self._scalars_pass = False
        for tag_class in self.default_tags:
            self.register(tag_class)
        # Plain JSON scalars pass through untagged, unless a tag was added later
        # that might claim one of them.
        self._scalars_pass = type(self).default_tags is TaggedJSONSerializer.default_tags

    def register(
        self, tag_class: type[JSONTag], force: bool = False, index: int | None = None
    ) -> None:
        """Instantiate ``tag_class`` for this serializer and add it to the tags it tries.

        Args:
            tag_class: the :class:`JSONTag` subclass.
            force: replace a registered tag with the same key instead of raising.
            index: position in the order tags are tried; appended at the end when ``None``.
                A tag for a subtype of a handled type must come before that type's tag.

        Raises:
            KeyError: a tag with the same key is registered and ``force`` is false.
        """
        self._scalars_pass = False
        tag = tag_class(self)
        if tag.key:
            if not force and tag.key in self.tags:
                raise KeyError(
                    f"Tag {tag.key!r} is already registered (by"
                    f" {type(self.tags[tag.key]).__name__}): choose another key, or pass"
                    " force=True to replace it."
                )
            self.tags[tag.key] = tag
        if index is None:
            self.order.append(tag)
        else:
            self.order.insert(index, tag)

    def tag(self, value: Any) -> Any:
        """Return ``value`` converted to JSON-serializable data, with tags where needed."""
        if self._scalars_pass and type(value) in _SCALARS:
            return value
        for tag in self.order:
            if tag.check(value):
                return tag.tag(value)
        return value

    def untag(self, value: dict[str, Any]) -> Any:
        """Return the Python value of a tagged object, or the dict itself if it is not one."""
        if len(value) != 1:
            return value
        key = next(iter(value))
        tag = self.tags.get(key)
        if tag is None:
            return value
        return tag.to_python(value[key])

    def _untag_scan(self, value: Any) -> Any:
        # Depth first, so a tag's to_python receives already-restored nested values.
        if isinstance(value, dict):
            return self.untag({key: self._untag_scan(item) for key, item in value.items()})
        if isinstance(value, list):
            return [self._untag_scan(item) for item in value]
        return value

    def dumps(self, value: Any) -> str:
        """Tag ``value`` and serialize it to compact JSON."""
        provider = _current_provider()
        if isinstance(provider, DefaultJSONProvider):
            return provider._compact_encoder().encode(self.tag(value))
        return dumps(self.tag(value), separators=(",", ":"))

    def loads(self, value: str | bytes) -> Any:
        """Parse JSON text or UTF-8 bytes and restore the tagged values in it."""
        return self._untag_scan(loads(value))
