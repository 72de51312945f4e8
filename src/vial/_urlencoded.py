"""Decoding ``application/x-www-form-urlencoded`` data: query strings and form bodies.

The result is an ``ImmutableMultiDict`` (repeated keys keep every value, in
order), read as Werkzeug reads it with ``parse_qsl``: pairs are separated by
``&``, a key from its value by the first ``=``; a part without ``=`` is a key
with an empty value; empty parts are skipped; ``+`` is a space; ``%XX`` is the
byte ``XX`` and a ``%`` that does not start a valid escape stays as it is. The
bytes are then read as UTF-8, invalid sequences replaced by U+FFFD (where
Werkzeug 3 would keep them percent-encoded).

The decoding loop and the multidict's first-value lookups are compiled
(``vial._speedups``, built at install where a C compiler is present);
:func:`_parse_python` and :class:`_PythonFirstValues` are the same code in
Python, used where the extension is not built, and the tests hold both to
the same results. Pure Python pays per call and per object, so that version
is shaped for the common input: text methods rather than bytes methods (the
bytes are handled as Latin-1 text), no decoding step for data without ``%``,
and for data with escapes one C call that decodes all of it at once (see
:func:`_split_escaped`).
"""

from __future__ import annotations

import typing as t
from codecs import escape_decode
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequestKeyError, RequestEntityTooLarge

from ._compiled import compiled_or

__all__ = ["EMPTY", "parse_query", "parse_urlencoded"]


class _PythonFirstValues(dict[str, list[str]]):
    """The pure-Python version of ``vial._speedups.FirstValues``: a dict of lists whose
    ``[key]`` and ``get`` read the first value of a key's list."""

    __slots__ = ()

    def __getitem__(self, key: str) -> str:  # type: ignore[override]
        values = _dict_get(self, key)
        if values:
            return values[0]
        return self.__missing__(key)  # type: ignore[no-any-return, attr-defined]

    def get(self, key: str, default: t.Any = None, type: t.Any = None) -> t.Any:
        """The first value for ``key``, converted with ``type``; ``default`` if missing or
        if the conversion fails."""
        values = _dict_get(self, key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default


if t.TYPE_CHECKING:  # a base class must be static for type checkers
    _FirstValues = _PythonFirstValues
else:
    _FirstValues = compiled_or(_PythonFirstValues, "FirstValues")


class _Params(_FirstValues, ImmutableMultiDict[str, str]):  # type: ignore[misc]
    """An ``ImmutableMultiDict`` whose ``[]`` and ``get`` are compiled where they can be."""

    def __missing__(self, key: str) -> t.NoReturn:
        raise BadRequestKeyError(key)


_dict_get = dict.get
_dict_update = dict.update
_MARK_SEPARATORS = bytes.maketrans(b"&=+", b"\x00\x01 ")

#: The value of an absent query string or form (shared: it is immutable).
EMPTY: ImmutableMultiDict[str, t.Any] = dict.__new__(_Params)


def parse_urlencoded(
    data: bytes | str, max_parts: int | None = None
) -> ImmutableMultiDict[str, str]:
    """Parse ``a=1&b=2`` (bytes, or text) into an ``ImmutableMultiDict``, keeping blank values.

    Raises ``RequestEntityTooLarge`` (413) when there are more than ``max_parts`` pairs.

    >>> parse_urlencoded(b"tag=a&tag=b+c&q=%C3%A9&flag").to_dict(flat=False)
    {'tag': ['a', 'b c'], 'q': ['é'], 'flag': ['']}
    """
    if isinstance(data, str):
        data = data.encode()
    if max_parts is not None and data.count(b"&") >= max_parts:
        raise RequestEntityTooLarge(f"The form has more than {max_parts} fields.")
    return _parse(_Params, data)


def parse_query(text: str | bytes) -> ImmutableMultiDict[str, str]:
    """Parse urlencoded data given as bytes, or as text whose characters are its bytes.

    That is how a WSGI server hands over ``QUERY_STRING`` (PEP 3333): Latin-1.
    """
    return _parse(_Params, text)


_D = t.TypeVar("_D", bound=dict[str, list[str]])


def _parse_python(cls: type[_D], data: bytes | str) -> _D:
    """A new ``cls`` (a dict subclass, ``__init__`` not called) holding the pairs of
    ``data``, one list of values per key: the pure-Python version of
    ``vial._speedups.parse``, with the same arguments and results.

    ``data`` is bytes, or Latin-1 text of its bytes; text with characters above
    U+00FF cannot be that, and is read as text (its UTF-8 bytes).
    """
    target = dict.__new__(cls)
    # Most tests are cheaper on text than on bytes: look at the bytes as Latin-1 text.
    raw: bytes | None
    if isinstance(data, bytes):
        raw = data
        text = data.decode("latin-1")
    elif data.isascii():
        raw = None
        text = data
    else:
        try:
            raw = data.encode("latin-1")
        except UnicodeEncodeError:
            raw = data.encode()
        text = raw.decode("latin-1")
    if "%" in text:
        _split_escaped(target, text, raw)
        return target
    if "+" in text:
        text = text.replace("+", " ")
    if not text.isascii():
        text = text.encode("latin-1").decode("utf-8", "replace")
    _collect(target, text.split("&"), "=")
    return target


def _collect(
    target: dict[str, list[str]], parts: list[str], equals: str, unquote: bool = False
) -> None:
    """Add the pairs of ``parts`` (``key<equals>value``; empty parts skipped) to ``target``.

    A later ``equals`` in a part is an ``=`` of the value. With ``unquote``,
    keys and values are percent-decoded one by one.
    """
    lists: dict[str, list[str]] = {}
    for part in parts:
        if part:
            key, _, value = part.partition(equals)
            if unquote:
                key = unquote_to_bytes(key.encode("latin-1")).decode("utf-8", "replace")
                value = unquote_to_bytes(value.encode("latin-1")).decode("utf-8", "replace")
            elif equals in value:
                value = value.replace(equals, "=")
            if key in lists:
                lists[key].append(value)
            else:
                lists[key] = [value]
    # A multidict stores a list per key: filling it directly skips its per-item checks.
    _dict_update(target, lists)


def _split_escaped(target: dict[str, list[str]], text: str, raw: bytes | None) -> None:
    """Add the pairs of ``text`` (its bytes: ``raw``, or None) to ``target``,
    percent-decoding keys and values.

    In the bytes, the separators become ``\\x00`` (``&``) and ``\\x01`` (``=``),
    ``+`` a space, every ``%`` the start of a Python ``\\xHH`` escape (after each
    backslash was doubled), and one C call decodes all of it; an escaped ``&``
    or ``=`` then is data, not a separator. Data with control characters of its
    own, or with an invalid escape, is decoded a key and a value at a time.
    """
    if "\x00" in text or "\x01" in text or "%00" in text or "%01" in text:
        _split_escaped_slowly(target, text)
        return
    marked = (text.encode("latin-1") if raw is None else raw).translate(_MARK_SEPARATORS)
    if "\\" in text:
        marked = marked.replace(b"\\", b"\\\\")
    try:
        decoded = escape_decode(marked.replace(b"%", b"\\x"))[0]
    except ValueError:  # a "%" without two hex digits after it
        _split_escaped_slowly(target, text)
        return
    _collect(target, decoded.decode("utf-8", "replace").split("\x00"), "\x01")


def _split_escaped_slowly(target: dict[str, list[str]], text: str) -> None:
    """:func:`_split_escaped` for data with invalid escapes or its own control characters."""
    _collect(target, text.replace("+", " ").split("&"), "=", unquote=True)


_parse = compiled_or(_parse_python, "parse")
