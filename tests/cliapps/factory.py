"""An app factory, with an optional argument."""

from vial import Vial


def create_app(name: str = "factory", debug: bool = False) -> Vial:
    app = Vial(name)
    app.config["FROM_FACTORY"] = True
    return app
