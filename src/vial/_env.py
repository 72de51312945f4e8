"""The prefix of vial's environment variables, read when they are read.

``VIAL`` gives ``VIAL_APP``, ``VIAL_DEBUG``, ``VIAL_RUN_PORT`` and the
``.vialenv`` file; :func:`vial.compat.install_as_flask` sets ``FLASK`` so a
Flask project's ``FLASK_*`` variables and ``.flaskenv`` work unchanged.
"""

from __future__ import annotations

#: The prefix of every environment variable vial reads.
PREFIX = "VIAL"


def env_name(suffix: str) -> str:
    """``"DEBUG"`` -> ``"VIAL_DEBUG"`` (``"FLASK_DEBUG"`` under the Flask shim)."""
    return f"{PREFIX}_{suffix}"


def dotenv_file() -> str:
    """The project dotenv file loaded beside ``.env``: ``.vialenv`` (or ``.flaskenv``)."""
    return f".{PREFIX.lower()}env"
