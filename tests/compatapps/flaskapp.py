"""A small Flask app, unchanged, that the compat tests run on vial."""

from flask import (
    Blueprint,
    Flask,
    abort,
    g,
    jsonify,
    render_template_string,
    request,
    session,
    url_for,
)

app = Flask(__name__)
app.config["SECRET_KEY"] = "compat-test"

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.route("/items/<int:item_id>")
def item(item_id: int) -> object:
    if item_id > 10:
        abort(404)
    return jsonify(id=item_id, url=url_for("api.item", item_id=item_id))


app.register_blueprint(bp)


@app.before_request
def remember_path() -> None:
    g.path = request.path


@app.route("/")
def index() -> str:
    return render_template_string("Hello {{ name }} at {{ g.path }}", name=request.args["name"])


@app.post("/login")
def login() -> str:
    session["user"] = request.form["user"]
    return "ok"


@app.route("/me")
def me() -> str:
    return session.get("user", "nobody")


@app.errorhandler(404)
def not_found(e: Exception) -> tuple[dict[str, str], int]:
    return {"error": "not found"}, 404


@app.cli.command("hello")
def hello() -> None:
    """Print the app's name, from inside its app context."""
    from flask import current_app

    print(f"hello from {current_app.name}")
