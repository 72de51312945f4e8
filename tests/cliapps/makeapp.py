"""A ``make_app`` factory."""

from vial import Vial


def make_app() -> Vial:
    return Vial("makeapp")
