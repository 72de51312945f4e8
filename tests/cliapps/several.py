"""Two apps and no ``app`` attribute: discovery cannot choose."""

from vial import Vial

one = Vial("one")
two = Vial("two")
