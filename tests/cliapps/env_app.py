"""Prints environment variables, to show what the dotenv files set."""

import os

import click

from vial import Vial

app = Vial("env_app")


@app.cli.command("env")
@click.argument("names", nargs=-1)
def show_env(names: tuple[str, ...]) -> None:
    for name in names:
        click.echo(f"{name}={os.environ.get(name, '<unset>')}")


@app.cli.command("debug")
def show_debug() -> None:
    click.echo(f"debug={app.debug}")
