"""Rule strings: parsing them into tokens, compiling their parts, and URL templates.

A rule such as ``/user/<int(min=1):id>/<name>.json`` becomes a list of tokens
(static text and :class:`_Var`), grouped by path segment. Each segment that
holds variables compiles into a :class:`_Pattern` that the matcher tries;
the tokens also give the template :func:`_filler` uses to build URLs.
Everything here runs when a rule is added, never per request.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

from ._converters import _PATH_SAFE

_QUERY_SAFE = "!$'()*,/:;?@"
# Regexes meaning "any non-empty segment": matched without running a regex.
_ANY_SEGMENT = frozenset({"[^/]+", "[^/]{1,}"})


class _Var(NamedTuple):
    name: str
    converter: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    source: str


_Token = str | _Var

_VARIABLE = re.compile(
    r"<(?:(?P<conv>[A-Za-z_]\w*)(?:\((?P<args>[^<>]*?)\))?:)?(?P<name>[A-Za-z_]\w*)>"
)
_ARGUMENT = re.compile(
    r"""\s*(?:(?P<key>[A-Za-z_]\w*)\s*=\s*)?
    (?P<value>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s,='"]+)
    \s*(?:,|\Z)""",
    re.VERBOSE,
)


def _literal(raw: str) -> Any:
    """A converter argument: a quoted string, a number, True/False/None, or a bare word."""
    try:
        value = ast.literal_eval(raw)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        if raw[0] in "\"'":
            raise ValueError(f"invalid string literal {raw}") from None
        return raw
    if raw[0] in "\"'" or value is None or isinstance(value, int | float):
        return value
    return raw


def _parse_args(text: str, rule: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    pos, end = 0, len(text)
    while text[pos:].strip():
        found = _ARGUMENT.match(text, pos)
        if found is None:
            raise ValueError(
                f"URL rule {rule!r}: cannot parse converter arguments {text!r} at {text[pos:]!r}."
            )
        try:
            value = _literal(found["value"])
        except ValueError as exc:
            raise ValueError(f"URL rule {rule!r}: {exc}.") from None
        key = found["key"]
        if key is None:
            if kwargs:
                raise ValueError(
                    f"URL rule {rule!r}: positional converter argument after a keyword in {text!r}."
                )
            args.append(value)
        else:
            kwargs[key] = value
        pos = found.end()
        if pos >= end:
            break
    return tuple(args), kwargs


def _tokenize(text: str, rule: str, seen: set[str]) -> list[_Token]:
    """Split a rule (or domain) string into static text and variables."""
    tokens: list[_Token] = []
    pos = 0
    while True:
        start = text.find("<", pos)
        if start < 0:
            if pos < len(text):
                tokens.append(text[pos:])
            return tokens
        if start > pos:
            tokens.append(text[pos:start])
        found = _VARIABLE.match(text, start)
        if found is None:
            raise ValueError(
                f"Malformed URL rule {rule!r}: the variable at {text[start : start + 30]!r} is"
                " unclosed or not of the form '<name>' or '<converter(arguments):name>'."
            )
        name = found["name"]
        if name in seen:
            raise ValueError(
                f"URL rule {rule!r} uses the variable {name!r} twice; give each variable a"
                " unique name."
            )
        seen.add(name)
        args, kwargs = _parse_args(found["args"] or "", rule)
        tokens.append(_Var(name, found["conv"] or "default", args, kwargs, found["args"] or ""))
        pos = found.end()


def _segments(tokens: list[_Token]) -> list[list[_Token]]:
    """Group path tokens by '/'; the part before the leading slash is dropped."""
    segments: list[list[_Token]] = [[]]
    for token in tokens:
        if isinstance(token, str):
            first, *rest = token.split("/")
            if first:
                segments[-1].append(first)
            segments.extend([piece] if piece else [] for piece in rest)
        else:
            segments[-1].append(token)
    return segments[1:]


_SEGMENT_ANY, _SEGMENT_DIGITS, _SEGMENT_REGEX, _TAIL, _TAIL_SLASH = range(5)


class _Pattern(NamedTuple):
    """A compiled dynamic part: one segment, the rest of the path (tail) or a domain."""

    kind: int
    source: str
    key: tuple[Any, ...]
    fullmatch: Callable[[str], re.Match[str] | None]
    groups: tuple[int, ...] | None  # None: ``match.groups()`` are exactly the values
    regex: re.Pattern[str]


def _compile_part(
    segments: list[list[_Token]],
    converters: Mapping[str, Any],
    tail: bool,
    slash: bool,
    rule: str,
) -> str | _Pattern:
    """Compile segments into a static string or a pattern; ``tail`` spans slashes."""
    if len(segments) == 1 and all(isinstance(t, str) for t in segments[0]) and not tail:
        return "".join(t for t in segments[0] if isinstance(t, str))
    regex: list[str] = []
    statics: list[int] = []
    weights: list[int] = []
    count = 0
    for index, segment in enumerate(segments):
        if index:
            regex.append("/")
        for token in segment:
            if isinstance(token, str):
                regex.append(re.escape(token))
                statics.append(-len(token))
            else:
                converter = converters[token.name]
                regex.append(f"(?P<_vial{count}>{converter.regex})")
                weights.append(converter.weight)
                count += 1
    if slash:
        regex.append("(?<!/)(/?)")
    source = "".join(regex)
    try:
        compiled = re.compile(source)
    except re.error as exc:
        raise ValueError(f"URL rule {rule!r}: a converter regex is invalid: {exc}") from None
    # More literal text first, then more variables, then lighter converters.
    key = (-len(statics), tuple(statics), -count, tuple(weights))
    first = segments[0]
    if (
        not tail
        and len(first) == 1
        and isinstance(first[0], _Var)
        and converters[first[0].name].regex in _ANY_SEGMENT
    ):
        kind = _SEGMENT_ANY
    elif (
        not tail
        and len(first) == 1
        and isinstance(first[0], _Var)
        and converters[first[0].name].regex == r"\d+"
    ):
        # str.isdecimal accepts exactly the characters of \d (Unicode category Nd).
        kind = _SEGMENT_DIGITS
    else:
        kind = (_TAIL_SLASH if slash else _TAIL) if tail else _SEGMENT_REGEX
    indexes = tuple(compiled.groupindex[f"_vial{i}"] for i in range(count))
    plain = indexes == tuple(range(1, count + 1)) and compiled.groups == count
    return _Pattern(kind, source, key, compiled.fullmatch, None if plain else indexes, compiled)


def _compile_path(
    tokens: list[_Token], converters: Mapping[str, Any], rule: str
) -> tuple[list[str | _Pattern], bool]:
    """The parts a path is matched by, one per segment, and whether it ends in a slash.

    From the first variable that may span slashes (``<path:p>``) on, the rest of
    the path is one part; its trailing slash, if any, is matched apart.
    """
    segments = _segments(tokens)
    parts: list[str | _Pattern] = []
    for index, segment in enumerate(segments):
        if any(isinstance(t, _Var) and not converters[t.name].part_isolating for t in segment):
            rest = segments[index:]
            slash = len(rest) > 1 and not rest[-1]
            parts.append(_compile_part(rest[:-1] if slash else rest, converters, True, slash, rule))
            return parts, slash
        parts.append(_compile_part([segment], converters, False, False, rule))
    return parts, False


def _values(pattern: _Pattern, found: re.Match[str]) -> tuple[str, ...]:
    if pattern.groups is None:
        return found.groups()
    return tuple(found.group(i) for i in pattern.groups)


_Template = tuple[str, tuple[tuple[str, Callable[[Any], str], str], ...]]


def _template(
    tokens: list[_Token], converters: Mapping[str, Any], defaults: Mapping[str, Any]
) -> _Template:
    """Precompute building: quoted static text with the slots to fill in between."""
    first = ""
    slots: list[list[Any]] = []
    for token in tokens:
        if isinstance(token, str):
            text = quote(token, safe=_PATH_SAFE)
        elif token.name in defaults:
            text = converters[token.name].to_url(defaults[token.name])
        else:
            slots.append([token.name, converters[token.name].to_url, ""])
            continue
        if slots:
            slots[-1][2] += text
        else:
            first += text
    return first, tuple((name, to_url, after) for name, to_url, after in slots)


def _filler(template: _Template) -> str | Callable[[Mapping[str, Any]], str]:
    """The built text itself when constant, else a function filling in the values.

    Rules with one or two variables (nearly all) get a closure without a loop,
    which halves what url_for spends here.
    """
    first, slots = template
    if not slots:
        return first
    if len(slots) == 1:
        ((name, to_url, after),) = slots
        return lambda values: first + to_url(values[name]) + after
    if len(slots) == 2:
        (name1, to_url1, after1), (name2, to_url2, after2) = slots
        return lambda values: (
            first + to_url1(values[name1]) + after1 + to_url2(values[name2]) + after2
        )

    def fill(values: Mapping[str, Any]) -> str:
        text = first
        for name, to_url, after in slots:
            text += to_url(values[name]) + after
        return text

    return fill


def _encode_query(values: Mapping[str, Any], skip: set[str]) -> str:
    items: list[tuple[str, Any]] = []
    for key, value in values.items():
        if key in skip:
            continue
        if isinstance(value, list | tuple | set):
            items.extend((key, v) for v in value if v is not None)
        elif value is not None:
            items.append((key, value))
    return urlencode(items, safe=_QUERY_SAFE)
