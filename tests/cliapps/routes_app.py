"""Routes for the ``routes`` command: methods, a blueprint, and subdomains."""

from vial import Blueprint, Vial

app = Vial("routes_app", static_folder=None)
app.config["SERVER_NAME"] = "example.test"


@app.route("/zeta", methods=["GET", "POST"])
def alpha() -> str:
    return "alpha"


@app.route("/alpha", methods=["DELETE"])
def zulu() -> str:
    return "zulu"


@app.route("/middle", subdomain="api")
def middle() -> str:
    return "middle"


bp = Blueprint("shop", __name__)


@bp.route("/cart", methods=["PUT"])
def cart() -> str:
    return "cart"


app.register_blueprint(bp, url_prefix="/shop")
