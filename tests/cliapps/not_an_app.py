"""``app`` is something other than a Vial app."""

app = "not an app"


def create_app() -> str:
    return "still not an app"
