"""An app whose module imports a package that is not installed."""

import vial_missing_dependency_xyz  # noqa: F401

from vial import Vial

app = Vial("broken_import")
