"""A small Flask app written against Flask's API: accounts, sessions, notes in sqlite.

It only imports ``flask``; the compat tests serve it through vial's shim.
"""

from __future__ import annotations

import os

from flask import Flask


def create_app(database: str | None = None) -> Flask:
    """The app, storing its data in ``database`` (default: ``$NOTEBOARD_DATABASE``)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=os.environ.get("NOTEBOARD_SECRET", "dev only"),
        DATABASE=database or os.environ["NOTEBOARD_DATABASE"],
    )

    from . import auth, db, notes

    db.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(notes.bp)
    app.add_url_rule("/", endpoint="index")
    return app
