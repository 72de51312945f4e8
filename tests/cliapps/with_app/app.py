"""Found without --app: ``app.py`` in the current folder."""

from vial import Vial

app = Vial("from_app_py")
