"""An app whose module fails with an ordinary error at import."""

from vial import Vial

app = Vial("raises_on_import")
settings: dict[str, str] = {}
secret = settings["SECRET"]
