"""Calls app.run() at import, outside a ``__main__`` guard."""

from vial import Vial

app = Vial("calls_run")
app.run()
