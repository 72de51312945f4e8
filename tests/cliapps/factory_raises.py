"""A factory that fails while it builds the app."""

from vial import Vial


def create_app() -> Vial:
    app = Vial("factory_raises")
    raise RuntimeError("the database is not configured")
    return app  # pragma: no cover
