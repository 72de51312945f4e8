"""Decoding ``application/x-www-form-urlencoded`` data: query strings and form bodies.

The result is an ``ImmutableMultiDict`` (repeated keys keep every value, in
order), read as Werkzeug reads it with ``parse_qsl``: pairs are separated by
``&``, a key from its value by the first ``=``; a part without ``=`` is a key
with an empty value; empty parts are skipped; ``+`` is a space; ``%XX`` is the
byte ``XX`` and a ``%`` that does not start a valid escape stays as it is. The
bytes are then read as UTF-8, invalid sequences replaced by U+FFFD (where
Werkzeug 3 would keep them percent-encoded).

Pure Python pays per call and per object, so the work is shaped for the
common input: text methods rather than bytes methods (the bytes are handled
as Latin-1 text), no decoding step for data without ``%``, and for data with
escapes one C call that decodes all of it at once (see :func:`_split_escaped`).
"""

from __future__ import annotations

import typing as t
from codecs import escape_decode
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import BadRequestKeyError, RequestEntityTooLarge

__all__ = ["EMPTY", "parse_query", "parse_urlencoded"]


class _Params(ImmutableMultiDict[str, str]):
    """An ``ImmutableMultiDict`` whose ``[]`` and ``get`` skip a layer of calls."""

    def __getitem__(self, key: str) -> str:
        values = _dict_get(self, key)
        if values:
            return values[0]
        raise BadRequestKeyError(key)

    def get(  # type: ignore[override]
        self, key: str, default: t.Any = None, type: t.Any = None
    ) -> t.Any:
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


_dict_get = dict.get
_new_params = _Params.__new__
_fill = dict.update
_MARK_SEPARATORS = bytes.maketrans(b"&=+", b"\x00\x01 ")

#: The value of an absent query string or form (shared: it is immutable).
EMPTY: ImmutableMultiDict[str, t.Any] = _new_params(_Params)


def parse_urlencoded(
    data: bytes | str, max_parts: int | None = None
) -> ImmutableMultiDict[str, str]:
    """Parse ``a=1&b=2`` (bytes, or text) into an ``ImmutableMultiDict``, keeping blank values.

    Raises ``RequestEntityTooLarge`` (413) when there are more than ``max_parts`` pairs.

    >>> parse_urlencoded(b"tag=a&tag=b+c&q=%C3%A9&flag").to_dict(flat=False)
    {'tag': ['a', 'b c'], 'q': ['é'], 'flag': ['']}
    """
    # Most tests are cheaper on text than on bytes: look at the bytes as Latin-1 text.
    raw: bytes | None
    if isinstance(data, bytes):
        raw = data
        text = data.decode("latin-1")
    else:
        raw = None
        text = data if data.isascii() else data.encode().decode("latin-1")
    if max_parts is not None and text.count("&") >= max_parts:
        raise RequestEntityTooLarge(f"The form has more than {max_parts} fields.")
    if "%" in text:
        return _split_escaped(text, raw)
    return parse_query(text)


def parse_query(text: str, raw: bytes | None = None) -> ImmutableMultiDict[str, str]:
    """Parse urlencoded data given as text whose characters are its bytes (Latin-1).

    That is how a WSGI server hands over ``QUERY_STRING`` (PEP 3333). A caller
    that has the bytes too passes them as ``raw``, which saves encoding them.
    """
    if "%" in text:
        return _split_escaped(text, raw)
    if "+" in text:
        text = text.replace("+", " ")
    if not text.isascii():
        text = text.encode("latin-1").decode("utf-8", "replace")
    return _collect(text.split("&"), "=")


def _collect(parts: list[str], equals: str, unquote: bool = False) -> _Params:
    """The multidict of ``parts`` (``key<equals>value``; empty parts skipped).

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
    result = _new_params(_Params)
    # A multidict stores a list per key: filling it directly skips its per-item checks.
    _fill(result, lists)
    return result


def _split_escaped(text: str, raw: bytes | None) -> _Params:
    """The pairs of ``text`` (its bytes: ``raw``, or None), percent-decoding keys and values.

    In the bytes, the separators become ``\\x00`` (``&``) and ``\\x01`` (``=``),
    ``+`` a space, every ``%`` the start of a Python ``\\xHH`` escape (after each
    backslash was doubled), and one C call decodes all of it; an escaped ``&``
    or ``=`` then is data, not a separator. Data with control characters of its
    own, or with an invalid escape, is decoded a key and a value at a time.
    """
    if "\x00" in text or "\x01" in text or "%00" in text or "%01" in text:
        return _split_escaped_slowly(text)
    marked = (text.encode("latin-1") if raw is None else raw).translate(_MARK_SEPARATORS)
    if "\\" in text:
        marked = marked.replace(b"\\", b"\\\\")
    try:
        decoded = escape_decode(marked.replace(b"%", b"\\x"))[0]
    except ValueError:  # a "%" without two hex digits after it
        return _split_escaped_slowly(text)
    return _collect(decoded.decode("utf-8", "replace").split("\x00"), "\x01")


def _split_escaped_slowly(text: str) -> _Params:
    """:func:`_split_escaped` for data with invalid escapes or its own control characters."""
    return _collect(text.replace("+", " ").split("&"), "=", unquote=True)
