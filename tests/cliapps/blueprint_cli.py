"""Blueprint commands: one in a group named after the blueprint, one merged into the app's."""

import click

from vial import Blueprint, Vial, current_app

users = Blueprint("users", __name__)


@users.cli.command("create")
@click.argument("name")
def create_user(name: str) -> None:
    click.echo(f"created {name} in {current_app.name}")


tools = Blueprint("tools", __name__, cli_group=None)


@tools.cli.command("cleanup")
def cleanup() -> None:
    click.echo(f"cleaned {current_app.name}")


app = Vial("blueprint_cli")
app.register_blueprint(users)
app.register_blueprint(tools)
