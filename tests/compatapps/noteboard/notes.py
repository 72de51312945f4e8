"""The notes: everyone reads them, signed-in authors write them."""

from __future__ import annotations

import typing as t

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for

from .auth import login_required
from .db import get_db

bp = Blueprint("notes", __name__)


@bp.route("/")
def index() -> str:
    rows = get_db().execute(
        "SELECT note.id, title, text, written, name FROM note"
        " JOIN author ON author.id = note.author_id ORDER BY written DESC, note.id DESC"
    )
    return render_template("notes/index.html", notes=rows.fetchall())


@bp.route("/write", methods=("GET", "POST"))
@login_required
def write() -> t.Any:
    if request.method == "POST":
        title, text = request.form["title"].strip(), request.form.get("text", "")
        if not title:
            flash("A note needs a title.")
        else:
            db = get_db()
            db.execute(
                "INSERT INTO note (author_id, title, text) VALUES (?, ?, ?)",
                (g.author["id"], title, text),
            )
            db.commit()
            return redirect(url_for("notes.index"))
    return render_template("notes/write.html")


@bp.route("/<int:note_id>")
def show(note_id: int) -> str:
    note = get_db().execute("SELECT * FROM note WHERE id = ?", (note_id,)).fetchone()
    if note is None:
        abort(404, f"There is no note {note_id}.")
    return render_template("notes/show.html", note=note)
