"""A factory that cannot be called without an argument."""

from vial import Vial


def create_app(name: str) -> Vial:
    return Vial(name)
