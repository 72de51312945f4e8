"""Next to a wsgi.py, which is tried first."""

from vial import Vial

app = Vial("from_app_py_beside_wsgi")
