"""The only Vial instance, under a name discovery does not try first."""

from vial import Vial

my_web_app = Vial("single")
