"""Found without --app: ``wsgi.py`` in the current folder."""

from vial import Vial

app = Vial("from_wsgi_py")
