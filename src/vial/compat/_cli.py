"""The ``flask`` command under the shim: a vial group reading ``FLASK_*`` variables."""

from __future__ import annotations

from ..cli import VialGroup
from . import install_as_flask

cli = VialGroup(
    name="flask",
    context_settings={"auto_envvar_prefix": "FLASK"},
    help="""\
A Flask app served by vial.

The app to load comes from '--app', the 'FLASK_APP' environment variable,
or a 'wsgi.py' or 'app.py' file in the current folder.
""",
)


def main() -> None:
    """Run the ``flask`` command (the stub distribution's console script calls it)."""
    # Before the app is imported, so FLASK_APP and friends are the variables read.
    install_as_flask()
    cli.main()
