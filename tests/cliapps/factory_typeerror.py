"""A factory whose own code raises TypeError (not a wrong call)."""

from vial import Vial


def create_app() -> Vial:
    return Vial(42 + "x")  # type: ignore[operator]
