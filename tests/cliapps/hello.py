"""An app in the attribute ``app``, with a command and a shell context processor."""

import click

from vial import Vial, current_app

app = Vial("hello")


@app.route("/")
def index() -> str:
    return "hello"


@app.cli.command()
@click.option("--shout", is_flag=True)
def whoami(shout: bool) -> None:
    """Print the name of the current app."""
    name = current_app.name
    click.echo(name.upper() if shout else name)


@app.shell_context_processor
def shell_names() -> dict[str, object]:
    return {"answer": 42}
