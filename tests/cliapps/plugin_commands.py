"""A command a package would publish in the ``vial.commands`` entry-point group."""

import click


@click.command()
def plugin() -> None:
    click.echo("plugin ran")
