"""``vial compat install``: a local ``Flask`` distribution that is vial.

The stub is a wheel built here, never published: distribution ``Flask``
3.1.3, requiring ``vial-framework``, with a ``flask`` package whose
``__init__`` calls :func:`vial.compat.install_as_flask`, a ``flask/__main__.py``
for ``python -m flask`` and a ``flask`` console script. Installed with pip into
the environment running vial, it makes ``import flask`` give vial with no
explicit call, lets ``importlib.metadata.version("flask")`` answer 3.1.3, and
satisfies the ``Flask`` requirement of extensions, so ``pip install
flask-login`` no longer pulls the real Flask.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import click

from . import FLASK_VERSION

#: Marks the stub's ``flask`` module; :func:`vial.compat.install_as_flask` replaces it.
STUB_MARKER = "__vial_stub__"

_INIT = f'''"""Flask served by vial: a local stub installed by ``vial compat install``.

Importing it puts vial's Flask shim into ``sys.modules`` (``import flask``
returns the shim, not this module). ``vial compat uninstall`` removes it.
"""

{STUB_MARKER} = True

import vial.compat

vial.compat.install_as_flask()
'''

_MAIN = '''"""``python -m flask``: the flask command, run by vial."""

from vial.compat._cli import main

main()
'''

_SUMMARY = "Flask's name served by vial: a local stub made by 'vial compat install'"


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def build_wheel(
    directory: Path,
    name: str,
    version: str,
    files: dict[str, str],
    requires: tuple[str, ...] = (),
    scripts: dict[str, str] | None = None,
    summary: str = "",
) -> Path:
    """Write a pure-Python wheel into ``directory`` and return its path.

    Args:
        directory: where the ``.whl`` goes.
        name: the distribution name (``Flask``).
        version: its version.
        files: path inside the wheel -> text (``{"flask/__init__.py": "..."}``).
        requires: ``Requires-Dist`` lines.
        scripts: console script name -> ``"module:function"``.
        summary: the one-line description pip shows.
    """
    normal = name.lower().replace("-", "_")
    dist_info = f"{normal}-{version}.dist-info"
    metadata = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {version}",
        f"Summary: {summary}",
        *(f"Requires-Dist: {requirement}" for requirement in requires),
    ]
    contents = dict(files)
    contents[f"{dist_info}/METADATA"] = "\n".join(metadata) + "\n"
    contents[f"{dist_info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: vial\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    if scripts:
        lines = [f"{script} = {target}" for script, target in scripts.items()]
        contents[f"{dist_info}/entry_points.txt"] = "[console_scripts]\n" + "\n".join(lines) + "\n"
    record = []
    for path, text in contents.items():
        data = text.encode()
        record.append(f"{path},{_record_hash(data)},{len(data)}")
    record.append(f"{dist_info}/RECORD,,")
    contents[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"

    wheel = directory / f"{normal}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in contents.items():
            archive.writestr(path, text)
    return wheel


def build_stub_wheel(directory: Path) -> Path:
    """The stub ``Flask`` wheel, written into ``directory``."""
    return build_wheel(
        directory,
        "Flask",
        FLASK_VERSION,
        {"flask/__init__.py": _INIT, "flask/__main__.py": _MAIN},
        requires=("vial-framework",),
        scripts={"flask": "vial.compat._cli:main"},
        summary=_SUMMARY,
    )


def installed_flask() -> str | None:
    """What provides ``Flask`` here: ``"stub"``, a real Flask's version, or ``None``."""
    try:
        dist = importlib.metadata.distribution("flask")
    except importlib.metadata.PackageNotFoundError:
        return None
    init = next((f for f in dist.files or () if str(f) == "flask/__init__.py"), None)
    if init is not None and STUB_MARKER in (init.read_text() or ""):
        return "stub"
    return dist.version


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", *args]
    click.echo("$ " + " ".join(command))
    if subprocess.run(command).returncode != 0:
        raise click.ClickException(f"pip failed: {' '.join(args)}")


@click.group("compat", short_help="Install or remove the stub Flask distribution.")
def compat_group() -> None:
    """Run Flask code on vial: a local 'Flask' distribution that is vial."""


@compat_group.command("install", short_help="Install the stub Flask distribution here.")
@click.option(
    "--wheel-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Only build the wheel into this folder; install it later with pip.",
)
def install_command(wheel_dir: Path | None) -> None:
    """Install a stub 'Flask' 3.1.3 distribution whose 'flask' package is vial.

    It goes into the environment running vial (with this interpreter's pip).
    Afterwards 'import flask' gives vial, 'flask' and 'python -m flask' run
    vial's command line, and extensions that require Flask install without
    the real one. A real Flask installed here is replaced.
    """
    if wheel_dir is not None:
        wheel_dir.mkdir(parents=True, exist_ok=True)
        click.echo(f"Built {build_stub_wheel(wheel_dir)}")
        return
    current = installed_flask()
    if current not in (None, "stub"):
        click.echo(f"Replacing the real Flask {current} with vial's stub.")
    with tempfile.TemporaryDirectory(prefix="vial-flask-stub-") as tmp:
        wheel = build_stub_wheel(Path(tmp))
        _pip("install", "--no-deps", "--force-reinstall", "--no-index", str(wheel))
    click.echo(f"Installed the stub Flask {FLASK_VERSION}: 'import flask' now gives vial.")


@compat_group.command("uninstall", short_help="Remove the stub Flask distribution.")
def uninstall_command() -> None:
    """Remove the stub 'Flask' distribution (a real Flask is left alone)."""
    current = installed_flask()
    if current is None:
        click.echo("No Flask distribution is installed here.")
        return
    if current != "stub":
        raise click.ClickException(
            f"the installed Flask {current} is the real one, not vial's stub:"
            " remove it with 'pip uninstall Flask' if you mean to."
        )
    _pip("uninstall", "--yes", "Flask")
