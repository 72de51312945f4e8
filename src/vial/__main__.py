"""``python -m vial``: the ``vial`` command."""

from .cli import main

main()
