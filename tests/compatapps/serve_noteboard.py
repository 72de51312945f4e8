"""What a server imports: vial's Flask shim first, then the unchanged Flask app."""

import vial
import vial.compat

vial.compat.install_as_flask()

from noteboard import create_app  # noqa: E402

app = create_app()
# The server must not start on the real Flask (installed beside vial for cross-checks).
assert isinstance(app, vial.Vial), type(app)
