"""Sending files: ``send_file`` and ``send_from_directory``.

A file given by path is answered with one ``stat``: a conditional request
that the client's copy satisfies gets its 304 without the file being opened,
and the body is streamed in chunks (through the server's
``wsgi.file_wrapper`` when it has one). File objects, attachments, range
requests and ``X-Sendfile`` go through Werkzeug's ``send_file``.
"""

from __future__ import annotations

import mimetypes
import os
import stat as stat_module
import time
import typing as t
from zlib import adler32

from werkzeug import utils as wz_utils
from werkzeug.exceptions import NotFound
from werkzeug.http import dump_options_header, http_date, parse_etags, quote_etag
from werkzeug.sansio.http import is_resource_modified
from werkzeug.security import safe_join
from werkzeug.utils import get_content_type
from werkzeug.wsgi import FileWrapper, wrap_file

from .ctx import _current_ctx

if t.TYPE_CHECKING:
    from .app import Vial
    from .request import Request
    from .response import Response

__all__ = ["send_file", "send_from_directory"]

MaxAge = None | int | t.Callable[[str | None], int | None]
_types_by_suffix: dict[str, str] = {}


_dates_by_mtime: dict[float, str] = {}
#: ``(tag, quoted tag)`` by ``(path, mtime, size)``: the default ETag of a file.
_etags: dict[tuple[str, float, int], tuple[str, str]] = {}
#: ``safe_join(directory, path)`` and the folders between the two to check for
#: symlinks, by ``(directory, path)``; None for a path that leaves ``directory``.
_joined_paths: dict[tuple[str, str], tuple[str, tuple[str, ...]] | None] = {}


def _remember(cache: dict[t.Any, t.Any], key: t.Any, value: t.Any) -> None:
    """Store in one of the module's caches, emptying it first when it is full."""
    if len(cache) >= 1024:
        cache.clear()
    cache[key] = value


def _modified_date(mtime: float) -> str:
    """``http_date(mtime)``, remembered: formatting a date costs more than the stat."""
    date = _dates_by_mtime.get(mtime)
    if date is None:
        if len(_dates_by_mtime) > 1024:
            _dates_by_mtime.clear()
        date = _dates_by_mtime[mtime] = http_date(mtime)
    return date


def _guess_type(name: str) -> tuple[str, str | None]:
    """The media type and encoding of a file name; plain suffixes are cached."""
    suffix = os.path.splitext(name)[1].lower()
    cached = _types_by_suffix.get(suffix)
    if cached is not None:
        return cached, None
    mimetype, encoding = mimetypes.guess_type(name)
    mimetype = mimetype or "application/octet-stream"
    if encoding is None and suffix:
        _types_by_suffix[suffix] = mimetype
    return mimetype, encoding


def send_file(
    path_or_file: os.PathLike[t.AnyStr] | str | t.BinaryIO,
    mimetype: str | None = None,
    as_attachment: bool = False,
    download_name: str | None = None,
    conditional: bool = True,
    etag: bool | str = True,
    last_modified: t.Any = None,
    max_age: MaxAge = None,
) -> Response:
    """Send a file's contents, streamed in chunks, answering conditional and range requests.

    ``path_or_file`` is a path (relative to the app's root) or a binary file
    object. ``max_age`` (seconds, or a function of the path) sets
    ``Cache-Control``; by default ``app.get_send_file_max_age`` decides.
    """
    ctx = _current_ctx()
    app: Vial = ctx.app
    req: Request = ctx.request
    if max_age is None:
        max_age = app.get_send_file_max_age
    if (
        isinstance(path_or_file, (str, os.PathLike))
        and not as_attachment
        and download_name is None
        and not app.config["USE_X_SENDFILE"]
        and not (conditional and req._header("range") is not None)
    ):
        path = os.path.join(app.root_path, os.fspath(path_or_file))  # type: ignore[arg-type]
        return _send_path(
            app, req, path, os.stat(path), mimetype, conditional, etag, last_modified, max_age
        )
    return wz_utils.send_file(  # type: ignore[return-value]
        path_or_file,  # type: ignore[arg-type]
        req.environ,
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        conditional=conditional,
        etag=etag,
        last_modified=last_modified,
        max_age=max_age,
        use_x_sendfile=app.config["USE_X_SENDFILE"],
        response_class=app.response_class,  # type: ignore[arg-type]
        _root_path=app.root_path,
    )


def _send_path(
    app: Vial,
    req: Request,
    path: str,
    st: os.stat_result,
    mimetype: str | None,
    conditional: bool,
    etag: bool | str,
    last_modified: t.Any,
    max_age: MaxAge,
) -> Response:
    size = st.st_size
    mtime = st.st_mtime
    tag = quoted = None
    if isinstance(etag, str):
        tag = etag
        quoted = quote_etag(tag)
    elif etag:
        key = (path, mtime, size)
        tags = _etags.get(key)
        if tags is None:
            tag = f"{mtime}-{size}-{adler32(path.encode()) & 0xFFFFFFFF}"
            tags = (tag, quote_etag(tag))
            _remember(_etags, key, tags)
        tag, quoted = tags
    if callable(max_age):
        max_age = max_age(path)
    modified = _modified_date(mtime) if last_modified is None else http_date(last_modified)
    # The validators and caching headers, which a 304 repeats.
    headers = [("Last-Modified", modified)]
    if max_age is None:
        headers.append(("Cache-Control", "no-cache"))
    else:
        policy = f"public, max-age={max_age}" if max_age > 0 else f"no-cache, max-age={max_age}"
        headers.append(("Cache-Control", policy))
        headers.append(("Expires", http_date(int(time.time() + max_age))))
    if quoted is not None:
        headers.append(("ETag", quoted))
    response_class = app.response_class
    if conditional and req.method in ("GET", "HEAD"):
        status = _precondition_status(req, tag, modified)
        if status is not None:
            return response_class._raw([], status, headers)
    encoding = None
    if mimetype is None:
        mimetype, encoding = _guess_type(path)
    headers.append(("Content-Type", get_content_type(mimetype, "utf-8")))
    if encoding is not None:
        headers.append(("Content-Encoding", encoding))
    name = os.path.basename(path)
    if name.isascii():
        headers.append(("Content-Disposition", dump_options_header("inline", {"filename": name})))
    if conditional:
        headers.append(("Accept-Ranges", "bytes"))
    headers.append(("Content-Length", str(size)))
    file = open(path, "rb")  # noqa: SIM115 - the server closes it after sending
    if hasattr(req, "scope"):
        body: t.Iterable[bytes] = FileWrapper(file, 65536)
    else:
        body = wrap_file(req.environ, file)
    response = response_class._raw(body, 200, headers)
    response.direct_passthrough = True
    return response


def _precondition_status(req: Request, tag: str | None, modified: str) -> int | None:
    """304 when the client's copy is current, 412 when ``If-Match`` fails, else None."""
    if_none_match = req._header("if-none-match")
    if if_none_match is not None and tag is not None and req._header("if-match") is None:
        # The common case: the client sends back exactly the tag it was given.
        if if_none_match == f'"{tag}"' or if_none_match == f'W/"{tag}"':
            return 304
        etags = parse_etags(if_none_match)
        if etags:
            return 304 if etags.contains_weak(tag) else None
    if_modified_since = req._header("if-modified-since")
    if if_none_match is None and if_modified_since is None and req._header("if-match") is None:
        return None
    if is_resource_modified(
        http_if_modified_since=if_modified_since,
        http_if_none_match=if_none_match,
        http_if_match=req._header("if-match"),
        etag=tag,
        last_modified=modified,
    ):
        return None
    return 412 if req._header("if-match") else 304


def send_from_directory(
    directory: os.PathLike[str] | str, path: os.PathLike[str] | str, **kwargs: t.Any
) -> Response:
    """Send ``path`` from inside ``directory``; anything outside it is a 404.

    ``..``, absolute paths, backslashes on Windows, NUL bytes and symlinks that
    lead out of ``directory`` all give 404.
    """
    ctx = _current_ctx()
    app: Vial = ctx.app
    directory = os.fspath(directory)
    if not os.path.isabs(directory):
        directory = os.path.join(app.root_path, directory)
    relative = os.fspath(path)
    key = (directory, relative)
    if key in _joined_paths:
        found = _joined_paths[key]
    else:
        found = _join_inside(directory, relative)
        if len(relative) <= 256:
            _remember(_joined_paths, key, found)
    if found is None:
        raise NotFound()
    joined, folders = found
    st = _stat_inside(directory, joined, folders)
    if st is None:
        raise NotFound()
    req: Request = ctx.request
    if (
        kwargs.get("as_attachment")
        or kwargs.get("download_name") is not None
        or app.config["USE_X_SENDFILE"]
        or req._header("range") is not None
    ):
        return send_file(joined, **kwargs)
    max_age = kwargs.get("max_age")
    if max_age is None:
        max_age = app.get_send_file_max_age
    return _send_path(
        app,
        req,
        joined,
        st,
        kwargs.get("mimetype"),
        kwargs.get("conditional", True),
        kwargs.get("etag", True),
        kwargs.get("last_modified"),
        max_age,
    )


def _join_inside(directory: str, relative: str) -> tuple[str, tuple[str, ...]] | None:
    """``safe_join(directory, relative)`` and the folders from the file's own up to
    ``directory`` (excluded); None when the path leaves ``directory``."""
    joined = safe_join(directory, relative) if "\x00" not in relative else None
    if joined is None:
        return None
    folders = []
    parent = os.path.dirname(joined)
    while len(parent) > len(directory):
        folders.append(parent)
        parent = os.path.dirname(parent)
    return joined, tuple(folders)


def _stat_inside(directory: str, joined: str, folders: tuple[str, ...]) -> os.stat_result | None:
    """Stat the regular file ``joined``; None if missing or if a symlink leads out of
    ``directory``. Costs one ``lstat`` per path component below ``directory``
    (``folders`` are those between the file and ``directory``)."""
    try:
        st = os.lstat(joined)
        linked = stat_module.S_ISLNK(st.st_mode)
        if not linked:
            for folder in folders:
                if os.path.islink(folder):
                    linked = True
                    break
        if linked:
            real_dir = os.path.realpath(directory)
            real = os.path.realpath(joined)
            if os.path.commonpath([real_dir, real]) != real_dir:
                return None
            st = os.stat(real)
    except (OSError, ValueError):
        return None
    return st if stat_module.S_ISREG(st.st_mode) else None
