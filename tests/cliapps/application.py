"""An app in the attribute ``application``."""

from vial import Vial

application = Vial("application")
