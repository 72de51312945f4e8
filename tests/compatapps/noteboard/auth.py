"""Sign up, sign in, sign out; ``g.author`` holds the signed-in author."""

from __future__ import annotations

import functools
import typing as t

from flask import Blueprint, flash, g, redirect, render_template, request, session, url_for
from werkzeug.security import check_password_hash, generate_password_hash

from .db import get_db

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.before_app_request
def load_author() -> None:
    author_id = session.get("author_id")
    g.author = (
        None
        if author_id is None
        else get_db().execute("SELECT * FROM author WHERE id = ?", (author_id,)).fetchone()
    )


def login_required(view: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
    @functools.wraps(view)
    def wrapped(**kwargs: t.Any) -> t.Any:
        if g.author is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(**kwargs)

    return wrapped


@bp.route("/register", methods=("GET", "POST"))
def register() -> t.Any:
    if request.method == "POST":
        name, password = request.form["name"].strip(), request.form["password"]
        if not name or not password:
            flash("A name and a password are required.")
        else:
            db = get_db()
            try:
                db.execute(
                    "INSERT INTO author (name, password_hash) VALUES (?, ?)",
                    (name, generate_password_hash(password)),
                )
                db.commit()
            except db.IntegrityError:
                flash(f"The name {name} is taken.")
            else:
                return redirect(url_for("auth.login"))
    return render_template("auth/form.html", action="Register")


@bp.route("/login", methods=("GET", "POST"))
def login() -> t.Any:
    if request.method == "POST":
        row = (
            get_db()
            .execute("SELECT * FROM author WHERE name = ?", (request.form["name"],))
            .fetchone()
        )
        if row is None or not check_password_hash(row["password_hash"], request.form["password"]):
            flash("Wrong name or password.")
        else:
            session.clear()
            session["author_id"] = row["id"]
            return redirect(request.args.get("next") or url_for("index"))
    return render_template("auth/form.html", action="Log in")


@bp.route("/logout")
def logout() -> t.Any:
    session.clear()
    return redirect(url_for("index"))
