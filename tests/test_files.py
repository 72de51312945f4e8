"""Static files, send_file and send_from_directory: conditional, range, traversal."""

from __future__ import annotations

import io
import os

import pytest

from vial import Vial, send_file, send_from_directory
from vial.testing import TestResponse, VialClient

HERE = os.path.dirname(__file__)
CSS = b"body { color: red; }\n"


def fetch(client: VialClient, path: str, **kwargs: object) -> TestResponse:
    """GET ``path`` and close the response (a file body stays open until then)."""
    rv = client.get(path, **kwargs)  # type: ignore[arg-type]
    rv.get_data()
    rv.close()
    return rv


def test_static_file(client: VialClient) -> None:
    rv = fetch(client, "/static/site.css")
    assert rv.status_code == 200
    assert rv.data == CSS
    assert rv.headers["Content-Type"] == "text/css; charset=utf-8"
    assert rv.headers["Content-Length"] == str(len(CSS))
    assert rv.headers["Cache-Control"] == "no-cache"
    assert rv.headers["ETag"]
    assert rv.headers["Last-Modified"]
    assert fetch(client, "/static/sub/n.txt").data == b"nested"


def test_conditional_requests(client: VialClient) -> None:
    first = fetch(client, "/static/site.css")
    etag = first.headers["ETag"]
    rv = fetch(client, "/static/site.css", headers={"If-None-Match": etag})
    assert rv.status_code == 304
    assert rv.data == b""
    assert rv.headers["ETag"] == etag
    rv = client.get(
        "/static/site.css", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )
    assert rv.status_code == 304
    assert (
        fetch(client, "/static/site.css", headers={"If-None-Match": '"other"'}).status_code == 200
    )


def test_range_requests(client: VialClient) -> None:
    rv = fetch(client, "/static/site.css", headers={"Range": "bytes=0-3"})
    assert rv.status_code == 206
    assert rv.data == CSS[:4]
    assert rv.headers["Content-Range"] == f"bytes 0-3/{len(CSS)}"
    assert fetch(client, "/static/site.css", headers={"Range": "bytes=500-"}).status_code == 416


def test_max_age_setting(app: Vial, client: VialClient) -> None:
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 60
    rv = fetch(client, "/static/site.css")
    assert rv.headers["Cache-Control"] == "public, max-age=60"
    assert "Expires" in rv.headers


@pytest.mark.parametrize(
    "path",
    [
        "/static/../test_files.py",
        "/static/%2e%2e/test_files.py",
        "/static/sub/../../conftest.py",
        "/static/..%2fconftest.py",
        "/static/%2fetc/passwd",
        "/static//etc/passwd",
        "/static/sub\\..\\..\\conftest.py",
        "/static/site.css%00.txt",
        "/static/missing.css",
        "/static/sub",
    ],
)
def test_traversal_and_missing_files_are_404(client: VialClient, path: str) -> None:
    rv = fetch(client, path, follow_redirects=True)
    assert rv.status_code == 404


def test_symlink_out_of_the_folder_is_404(app: Vial, tmp_path: object) -> None:
    folder = os.path.join(str(tmp_path), "public")
    os.mkdir(folder)
    secret = os.path.join(str(tmp_path), "secret.txt")
    with open(secret, "w") as f:
        f.write("secret")
    os.symlink(secret, os.path.join(folder, "link.txt"))
    os.mkdir(os.path.join(str(tmp_path), "outside"))
    os.symlink(os.path.join(str(tmp_path), "outside"), os.path.join(folder, "dirlink"))
    with open(os.path.join(str(tmp_path), "outside", "x.txt"), "w") as f:
        f.write("x")
    with open(os.path.join(folder, "ok.txt"), "w") as f:
        f.write("ok")
    app.add_url_rule("/files/<path:name>", "files", lambda name: send_from_directory(folder, name))
    client = app.test_client()
    assert fetch(client, "/files/ok.txt").data == b"ok"
    assert fetch(client, "/files/link.txt").status_code == 404
    assert fetch(client, "/files/dirlink/x.txt").status_code == 404


def test_send_file_object_and_attachment(app: Vial, client: VialClient) -> None:
    @app.route("/report")
    def report() -> object:
        return send_file(
            io.BytesIO(b"a,b\n"),
            mimetype="text/csv",
            as_attachment=True,
            download_name="rapport é.csv",
        )

    rv = fetch(client, "/report")
    assert rv.data == b"a,b\n"
    assert rv.headers["Content-Type"] == "text/csv; charset=utf-8"
    disposition = rv.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''rapport%20%C3%A9.csv" in disposition


def test_send_file_by_path(app: Vial, client: VialClient) -> None:
    app.add_url_rule("/css", "css", lambda: send_file("static/site.css", max_age=10))
    rv = fetch(client, "/css")
    assert rv.data == CSS
    assert rv.headers["Cache-Control"] == "public, max-age=10"


def test_changes_on_disk_are_seen_on_the_next_request(
    app: Vial, client: VialClient, tmp_path: object
) -> None:
    """What send_from_directory remembers between requests are strings, never file state."""
    folder = os.path.join(str(tmp_path), "public")
    os.makedirs(os.path.join(folder, "sub"))
    path = os.path.join(folder, "sub", "f.txt")
    with open(path, "w") as f:
        f.write("one")
    app.add_url_rule("/files/<path:name>", "files", lambda name: send_from_directory(folder, name))
    first = fetch(client, "/files/sub/f.txt")
    assert first.data == b"one"

    with open(path, "w") as f:
        f.write("second")
    os.utime(path, (1_000_000_000, 1_000_000_000))
    rv = fetch(client, "/files/sub/f.txt", headers={"If-None-Match": first.headers["ETag"]})
    assert rv.status_code == 200
    assert rv.data == b"second"
    assert rv.headers["ETag"] != first.headers["ETag"]

    # The folder becomes a symlink out of the public folder.
    os.rename(os.path.join(folder, "sub"), os.path.join(str(tmp_path), "moved"))
    os.symlink(os.path.join(str(tmp_path), "moved"), os.path.join(folder, "sub"))
    assert fetch(client, "/files/sub/f.txt").status_code == 404

    os.remove(os.path.join(folder, "sub"))
    assert fetch(client, "/files/sub/f.txt").status_code == 404
