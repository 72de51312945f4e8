"""Type stubs for the optional C extension (src/vial/_speedups.c)."""

import typing as t

_D = t.TypeVar("_D", bound=dict[str, list[str]])

def parse(cls: type[_D], data: bytes | str, /) -> _D: ...
def start_message(status: int, headers: list[tuple[str, str]], /) -> dict[str, t.Any]: ...

class FirstValues(dict[str, list[str]]):
    def __getitem__(self, key: str) -> str: ...  # type: ignore[override]
    def get(self, key: str, default: t.Any = None, type: t.Any = None) -> t.Any: ...
