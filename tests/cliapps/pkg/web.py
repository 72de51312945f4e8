"""An app in a package's submodule: imported as ``pkg.web``."""

from vial import Vial

app = Vial("pkg.web")
