"""Matching a path against the rules of one domain: a segment trie, and code compiled from it.

Rules are inserted into a trie keyed by path segment (:class:`_Node`): a static
segment is a dict key, a dynamic one a :class:`~vial._rules._Pattern`, a rule
whose variable spans slashes (``<path:p>``) one pattern for the rest of the path.
The search is depth-first: at each node the static child first, then the dynamic
children in priority order; the first rule whose method and converters accept
the request wins.

The search is written twice. :func:`_walk` interprets the trie; it collects the
methods of rules that matched all but the method, for 405 responses and
``allowed_methods``. For requests, :func:`_compile` turns the trie into the
source of a Python function (one nested ``if`` per node, builtin converters
inlined, a dict of functions where a node has many static children) that runs
the same search with no loops and no allocation beyond the split path and the
view arguments. A :class:`_Table` compiles it at its first match, and again at
the first match after a rule was added; the functions behind a dispatch dict
are compiled at their first call, so a big map compiles what requests reach.
"""

from __future__ import annotations

import re
import threading
from bisect import insort
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ._converters import _IDENTITY_TO_PYTHON
from ._rules import _SEGMENT_ANY, _SEGMENT_DIGITS, _SEGMENT_REGEX, _TAIL_SLASH, _Pattern, _values

if TYPE_CHECKING:
    from .routing import Rule

_Match = tuple["Rule", dict[str, Any]]


class _AnyMethod(frozenset[str]):
    """The methods of a rule without a method list: every real method."""

    def __contains__(self, method: object) -> bool:
        return method is not _PROBE


_PROBE = "\x00probe"  # a method no rule accepts; used to collect allowed methods
_ANY_METHOD = _AnyMethod()


class _SlashRequired(Exception):
    """Only the path with a trailing slash matches, and the rule wants it."""


class _WrongMethod(Exception):
    """Nothing matched, but some rule would have with another method (a 405)."""


class _Unfinished(Exception):
    """The compiled search found a rule that redirects: ``Map`` finishes the match.

    Raised rather than returned so the common result needs no check on its way out.
    """

    def __init__(self, rule: Rule, args: dict[str, Any]) -> None:
        super().__init__()
        self.found = (rule, args)


class _Node:
    __slots__ = ("dynamic", "rules", "static")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.dynamic: list[tuple[_Pattern, _Node]] = []
        self.rules: list[Rule] = []


class _Table:
    """The rules of one domain pattern: static paths in a dict, all rules in a trie.

    ``match(path, method, *domain_values)`` is the compiled search: it returns
    ``(rule, view_args)`` or ``None``, and raises :class:`_SlashRequired`,
    :class:`_WrongMethod` or :class:`_Unfinished`. ``arity`` is the number of
    values the domain pattern captures; ``source`` the generated code, for
    reading when debugging.
    """

    __slots__ = ("arity", "match", "root", "sources", "static")

    def __init__(self, arity: int = 0) -> None:
        self.root = _Node()
        self.static: dict[str, list[Rule]] = {}
        self.arity = arity
        self.sources: list[str] = []
        self.match: Callable[..., _Match | None] = self._compile_and_match

    def __getstate__(self) -> dict[str, Any]:
        # The compiled code refers to this table's trie: a copy compiles its own.
        return {"root": self.root, "static": self.static, "arity": self.arity}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.root = state["root"]
        self.static = state["static"]
        self.arity = state["arity"]
        self.sources = []
        self.match = self._compile_and_match

    @property
    def source(self) -> str:
        """The generated code compiled so far."""
        return "\n\n".join(self.sources)

    def insert(self, rule: Rule) -> None:
        """Add a bound rule to the trie, and to the static paths if it has no variables."""
        node = self.root
        for part in rule._parts:
            if isinstance(part, str):
                child = node.static.get(part)
                if child is None:
                    child = node.static[part] = _Node()
            else:
                same = [
                    c for p, c in node.dynamic if (p.kind, p.source) == (part.kind, part.source)
                ]
                if same:
                    child = same[0]
                else:
                    child = _Node()
                    insort(node.dynamic, (part, child), key=_pattern_key)
            node = child
        if rule._slash_tail:
            child = node.static.get("")
            if child is None:
                child = node.static[""] = _Node()
            node = child
        node.rules.append(rule)
        if rule._static_path is not None:
            self.static.setdefault(rule._static_path, []).append(rule)
        self.changed()

    def changed(self) -> None:
        """Recompile at the next match (a rule was added)."""
        self.match = self._compile_and_match

    def _compile_and_match(self, path: str, method: str, *values: str) -> _Match | None:
        with _COMPILING:
            if self.match == self._compile_and_match:
                self.match = _compile(self)
        return self.match(path, method, *values)


def _pattern_key(entry: tuple[_Pattern, Any]) -> tuple[Any, ...]:
    return entry[0].key


# --- the interpreted search -------------------------------------------------------------


def _first_match(
    rules: Iterable[Rule], values: tuple[str, ...], method: str, allowed: set[str]
) -> _Match | None:
    """The first of ``rules`` that takes ``method`` and converts ``values``; the methods
    of the others that convert them go to ``allowed`` (for a 405's ``Allow``)."""
    for rule in rules:
        if method in rule._accept:
            args = rule._convert(values)
            if args is not None:
                return rule, args
        elif rule._convert(values) is not None:
            allowed.update(rule._accept)
    return None


def _end(node: _Node, values: tuple[str, ...], method: str, allowed: set[str]) -> _Match | None:
    """Choose a rule of a node the whole path led to."""
    found = _first_match(node.rules, values, method, allowed)
    if found is not None:
        return found
    slashed = node.static.get("")
    if slashed is not None:
        for rule in slashed.rules:
            if method in rule._accept:
                args = rule._convert(values)
                if args is not None:
                    if rule.strict_slashes:
                        raise _SlashRequired
                    return rule, args
    return None


def _descend(
    child: _Node,
    segments: Sequence[str],
    i: int,
    n: int,
    values: tuple[str, ...],
    method: str,
    allowed: set[str],
) -> _Match | None:
    """Go on in ``child``, which ``segments[i]`` led to: its rules when that was the last."""
    if i + 1 == n:
        return _end(child, values, method, allowed)
    return _walk(child, segments, i + 1, n, values, method, allowed)


def _walk(
    node: _Node,
    segments: Sequence[str],
    i: int,
    n: int,
    values: tuple[str, ...],
    method: str,
    allowed: set[str],
) -> _Match | None:
    """Depth-first search from ``segments[i]`` (``i < n``): static child, then dynamic ones."""
    segment = segments[i]
    last = i + 1 == n
    child = node.static.get(segment)
    if child is not None:
        found = _descend(child, segments, i, n, values, method, allowed)
        if found is not None:
            return found
    for pattern, child in node.dynamic:
        kind = pattern.kind
        if kind == _SEGMENT_ANY:
            if not segment:
                continue
            got = (*values, segment)
        elif kind == _SEGMENT_DIGITS:
            if not segment.isdecimal():
                continue
            got = (*values, segment)
        elif kind == _SEGMENT_REGEX:
            matched = pattern.fullmatch(segment)
            if matched is None:
                continue
            got = values + _values(pattern, matched)
        else:
            matched = pattern.fullmatch(segment if last else "/".join(segments[i:]))
            if matched is None:
                continue
            got = values + _values(pattern, matched)
            if kind == _TAIL_SLASH and matched.group(matched.re.groups):
                found = _walk(child, ("",), 0, 1, got, method, allowed)
            else:
                found = _end(child, got, method, allowed)
            if found is not None:
                return found
            continue
        found = _descend(child, segments, i, n, got, method, allowed)
        if found is not None:
            return found
    if last and not segment:
        # '/foo/' also matches a rule '/foo' that does not insist on its slashes.
        lenient = (rule for rule in node.rules if not rule.strict_slashes)
        return _first_match(lenient, values, method, allowed)
    return None


def _split(path: str) -> list[str]:
    """The segments :func:`_walk` expects; a path without a leading slash is taken as rooted."""
    return path[1:].split("/") if path[:1] == "/" else path.split("/")


# --- the compiled search ----------------------------------------------------------------

# From this many static children on, a node looks its child up in a dict of
# functions instead of comparing the segment with each literal in turn: one dict
# lookup and one call cost about as much as four string comparisons, and the
# dict keeps the search flat when a node has a thousand children.
_DISPATCH_MIN = 5
# Deeper nesting moves into a new function: Python's parser allows 100 levels.
_MAX_INDENT = 40
# A default-converter segment with a length bound: checked with len(), not the regex.
_SIZED = re.compile(r"\(\?P<_vial\d+>\[\^/\]\{(\d+)(,?)(\d*)\}\)")
_INT_REGEXES = frozenset({r"\d+", r"-?\d+"})
# Held while generating code: two threads' first requests compile once.
_COMPILING = threading.RLock()


class _WrongMethodMarker:
    """What a nested generated function returns instead of raising :class:`_WrongMethod`.

    Raising would end the caller's search, which must go on to the other branches.
    """


_WRONG = _WrongMethodMarker()


class _Function:
    """The source of one generated function, line by line."""

    __slots__ = ("lines", "name", "params", "wrong")

    def __init__(self, name: str, params: list[str]) -> None:
        self.name = name
        self.params = params
        self.lines: list[str] = []
        #: Whether the body sets ``wrong`` (a rule matched all but the method).
        self.wrong = False

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


class _Compiler:
    """Turn one table's trie into Python source mirroring :func:`_walk` node by node.

    At a node reached with ``segs[1:d]`` consumed, ``n == d`` means the path
    ends there (``_end``); otherwise ``s{d}`` is the next segment. Captured
    values are local names (``s{d}`` for a whole segment, ``v{k}`` for regex
    groups), converted only when a rule is chosen. The functions go into
    ``namespace``, shared by every compiler of the table's current search.
    """

    def __init__(self, table: _Table, namespace: dict[str, Any]) -> None:
        self.table = table
        self.namespace = namespace
        self.functions: list[_Function] = []
        self._names: dict[int, str] = {}

    def const(self, value: Any, prefix: str) -> str:
        """A global name in the generated module for ``value`` (one per object)."""
        name = self._names.get(id(value))
        if name is None:
            name = self._names[id(value)] = f"_{prefix}{len(self.namespace)}"
            self.namespace[name] = value
        return name

    def function(self, node: _Node, d: int, values: list[str]) -> _Function:
        """A new function searching from ``node``; its parameters carry the values so far."""
        name = f"_node{len(self.namespace)}"
        self.namespace[name] = None  # reserved until the function is compiled
        fn = _Function(name, ["segs", "n", "method", *values])
        self.functions.append(fn)
        self.node(fn, node, d, values, 1)
        if fn.wrong:
            fn.lines.insert(0, "    wrong = False")
            fn.emit(1, "if wrong:")
            fn.emit(2, "return _WRONG")
        return fn

    def build(self) -> None:
        """Compile the functions generated so far into the namespace."""
        source = "\n\n".join(
            f"def {fn.name}({', '.join(fn.params)}):\n" + "\n".join(fn.lines)
            for fn in self.functions
        )
        exec(compile(source, "<vial routing>", "exec"), self.namespace)
        self.table.sources.append(source)
        self.functions = []

    def call(self, fn: _Function, call: str, may_be_wrong: bool, indent: int) -> None:
        """Emit a call into another generated function and pass its result on."""
        fn.emit(indent, f"r = {call}")
        fn.emit(indent, "if r is not None:")
        if may_be_wrong:
            fn.emit(indent + 1, "if r is not _WRONG:")
            fn.emit(indent + 2, "return r")
            fn.emit(indent + 1, "wrong = True")
            fn.wrong = True
        else:
            fn.emit(indent + 1, "return r")

    def node(self, fn: _Function, node: _Node, d: int, values: list[str], indent: int) -> None:
        """Search ``node``, reached with ``segs[1:d]`` consumed."""
        if indent > _MAX_INDENT:
            sub = self.function(node, d, values)
            self.call(fn, f"{sub.name}({', '.join(sub.params)})", sub.wrong, indent)
            return
        slashed = node.static.get("")
        ends = bool(node.rules or (slashed is not None and slashed.rules))
        lenient = any(not rule.strict_slashes for rule in node.rules)
        goes_on = bool(node.static or node.dynamic or lenient)
        if ends:
            fn.emit(indent, f"if n == {d}:")
            self.end(fn, node, values, indent + 1)
            if goes_on:
                fn.emit(indent, "else:")
                self.children(fn, node, d, values, indent + 1)
        elif goes_on:
            fn.emit(indent, f"if n != {d}:")
            self.children(fn, node, d, values, indent + 1)
        else:
            fn.emit(indent, "pass")

    def children(self, fn: _Function, node: _Node, d: int, values: list[str], indent: int) -> None:
        """Try the children of ``node`` on segment ``s{d}``, as :func:`_walk` does."""
        segment = f"s{d}"
        fn.emit(indent, f"{segment} = segs[{d}]")
        if len(node.static) >= _DISPATCH_MIN:
            targets: dict[str, Callable[..., Any]] = {}
            for literal, child in node.static.items():
                targets[literal] = _Deferred(self, targets, literal, child, d + 1, values)
            fn.emit(indent, f"f = {self.const(targets, 'children')}.get({segment})")
            fn.emit(indent, "if f is not None:")
            arguments = ", ".join(["segs", "n", "method", *values])
            self.call(fn, f"f({arguments})", True, indent + 1)
        else:
            for index, (literal, child) in enumerate(node.static.items()):
                fn.emit(indent, f"{'el' if index else ''}if {segment} == {literal!r}:")
                self.node(fn, child, d + 1, values, indent + 1)
        for pattern, child in node.dynamic:
            self.pattern(fn, pattern, child, d, values, indent)
        lenient = [rule for rule in node.rules if not rule.strict_slashes]
        if lenient:
            # '/foo/' also matches a rule '/foo' that does not insist on its slashes.
            fn.emit(indent, f"if n == {d + 1} and not {segment}:")
            for rule in lenient:
                if self.rule(fn, rule, values, indent + 1):
                    break

    def pattern(
        self, fn: _Function, pattern: _Pattern, child: _Node, d: int, values: list[str], indent: int
    ) -> None:
        """Try one dynamic child of a node on segment ``s{d}`` (or the rest of the path)."""
        segment = f"s{d}"
        kind = pattern.kind
        if kind == _SEGMENT_ANY:
            fn.emit(indent, f"if {segment}:")
            self.node(fn, child, d + 1, [*values, segment], indent + 1)
            return
        if kind == _SEGMENT_DIGITS:
            # str.isdecimal accepts exactly what \d matches, and int() parses all of it.
            fn.emit(indent, f"if {segment}.isdecimal():")
            self.node(fn, child, d + 1, [*values, segment], indent + 1)
            return
        sized = _SIZED.fullmatch(pattern.source) if kind == _SEGMENT_REGEX else None
        if sized is not None:
            low, comma, high = sized.groups()
            if not comma:
                test = f"len({segment}) == {low}"
            elif high:
                test = f"{low} <= len({segment}) <= {high}"
            else:
                test = f"len({segment}) >= {low}"
            fn.emit(indent, f"if {test}:")
            self.node(fn, child, d + 1, [*values, segment], indent + 1)
            return
        found = f"m{d}"
        fullmatch = self.const(pattern.fullmatch, "pattern")
        if kind == _SEGMENT_REGEX:
            fn.emit(indent, f"{found} = {fullmatch}({segment})")
        else:
            rest = f"'/'.join(segs[{d}:])"
            fn.emit(indent, f"{found} = {fullmatch}({segment} if n == {d + 1} else {rest})")
        fn.emit(indent, f"if {found} is not None:")
        indent += 1
        groups = pattern.groups or range(1, pattern.regex.groups + 1)
        got = [*values]
        for group in groups:
            name = f"v{len(got)}"
            fn.emit(indent, f"{name} = {found}[{group}]")
            got.append(name)
        if kind == _SEGMENT_REGEX:
            self.node(fn, child, d + 1, got, indent)
            return
        # The rest of the path is consumed: choose among the rules of ``child``.
        if kind == _TAIL_SLASH:
            slashed = child.static.get("")
            fn.emit(indent, f"if {found}[{pattern.regex.groups}]:")
            if slashed is None or not self.end(fn, slashed, got, indent + 1):
                fn.emit(indent + 1, "pass")
            fn.emit(indent, "else:")
            indent += 1
        if not self.end(fn, child, got, indent):
            fn.emit(indent, "pass")

    def end(self, fn: _Function, node: _Node, values: list[str], indent: int) -> bool:
        """Choose a rule of a node the whole path led to; False if there is none."""
        before = len(fn.lines)
        for rule in node.rules:
            if self.rule(fn, rule, values, indent):
                return True
        slashed = node.static.get("")
        if slashed is not None:
            for rule in slashed.rules:
                if self.rule(fn, rule, values, indent, slash=True):
                    break
        return len(fn.lines) > before

    def rule(
        self, fn: _Function, rule: Rule, values: list[str], indent: int, slash: bool = False
    ) -> bool:
        """Return ``rule`` if it accepts the method and values; True if it always does.

        With ``slash``, the path lacks the rule's trailing slash: a rule with
        ``strict_slashes`` raises :class:`_SlashRequired` (a redirect) instead.
        """
        name = self.const(rule, "rule")
        args, fallible = self.arguments(rule, values)
        any_method = isinstance(rule._accept, _AnyMethod)
        if not any_method:
            fn.emit(indent, f"if method in {self.const(rule._accept, 'methods')}:")
            indent += 1
        if slash and rule.strict_slashes:
            success = "raise _SlashRequired"
        elif rule._fast:
            success = f"return {name}, {{}}"
        else:
            success = f"raise _Unfinished({name}, {{}})"
        if fallible:
            fn.emit(indent, f"a = {args}")
            fn.emit(indent, "if a is not None:")
            fn.emit(indent + 1, success.format("a"))
        else:
            fn.emit(indent, success.format(args))
        if any_method:
            return not fallible
        if not slash:
            # The values fit but the method does not: remember it for a 405.
            if fallible:
                fn.emit(indent - 1, f"elif {args} is not None:")
                fn.emit(indent, "wrong = True")
            else:
                fn.emit(indent - 1, "wrong = True")
            fn.wrong = True
        return False

    def arguments(self, rule: Rule, values: list[str]) -> tuple[str, bool]:
        """An expression for the view arguments, and whether it may be None (rejected).

        Converters whose ``to_python`` is the identity or plain ``int`` (which
        cannot fail on what their regex matched) are written out; any other
        rule calls its ``_convert``.
        """
        items = []
        for (name, parse), value in zip(rule._parsers, values, strict=True):
            converter = rule._converters[name]
            if getattr(type(converter), "to_python", None) in _IDENTITY_TO_PYTHON:
                items.append(f"{name!r}: {value}")
            elif parse is int and converter.regex in _INT_REGEXES:
                items.append(f"{name!r}: int({value})")
            else:
                convert = self.const(rule._convert, "convert")
                packed = "".join(f"{v}, " for v in values)
                return f"{convert}(({packed}))", True
        if rule._defaults:
            items.append(f"**{self.const(rule._defaults, 'defaults')}")
        return "{" + ", ".join(items) + "}", False

    def top(self) -> _Function:
        """The entry point: split the path, then search from the root."""
        table = self.table
        params = [f"v{i}" for i in range(table.arity)]
        fn = _Function("_match", ["path", "method", *params])
        self.functions.append(fn)
        fn.emit(1, "segs = path.split('/')")
        fn.emit(1, "n = len(segs)")
        fn.emit(1, "if n == 1 or segs[0]:")
        # Not rooted ('' or 'a/b'): matched as '/' or '/a/b', as _walk does.
        rooted = ", ".join(["'/' + path", "method", *params])
        fn.emit(2, f"return _match({rooted})")
        start = len(fn.lines)
        root = table.root
        if root.static or root.dynamic:
            self.children(fn, root, 1, params, 1)
        if fn.wrong:
            fn.lines.insert(start, "    wrong = False")
            fn.emit(1, "if wrong:")
            fn.emit(2, "raise _WrongMethod")
        fn.emit(1, "return None")
        return fn


class _Deferred:
    """An entry of a dispatch table, compiled at its first call.

    A map with a thousand rules compiles, at its first match, only the parts
    that requests reach; each of the others costs an object until then.
    """

    __slots__ = ("namespace", "place", "start", "table")

    def __init__(
        self,
        compiler: _Compiler,
        targets: dict[str, Callable[..., Any]],
        literal: str,
        node: _Node,
        d: int,
        values: list[str],
    ) -> None:
        self.table = compiler.table
        self.namespace = compiler.namespace
        self.place = (targets, literal)
        self.start = (node, d, values)

    def __call__(self, *args: Any) -> Any:
        targets, literal = self.place
        with _COMPILING:
            function = targets[literal]
            if function is self:
                compiler = _Compiler(self.table, self.namespace)
                name = compiler.function(*self.start).name
                compiler.build()
                function = targets[literal] = self.namespace[name]
        return function(*args)


def _compile(table: _Table) -> Callable[..., _Match | None]:
    """Generate, compile and return the search function of ``table``."""
    namespace: dict[str, Any] = {
        "_SlashRequired": _SlashRequired,
        "_WrongMethod": _WrongMethod,
        "_Unfinished": _Unfinished,
        "_WRONG": _WRONG,
    }
    table.sources = []
    compiler = _Compiler(table, namespace)
    compiler.top()
    compiler.build()
    found: Callable[..., _Match | None] = namespace["_match"]
    return found
