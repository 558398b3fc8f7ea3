"""The storefront: the travellers' website, plain files from ``gateway/storefront/`` (no build
step). ``/`` is its page; ``/app/...`` its scripts, styles and images. Everything else the
gateway answers is the JSON API, which the page calls on the same origin."""
import hashlib
from pathlib import Path

from werkzeug.wrappers import Response

from common.errors import NotFound
from gateway.http import route

STOREFRONT_DIR = (Path(__file__).resolve().parent.parent / "storefront").resolve()
TAGS = ["storefront"]
# Only these kinds of file are served; anything else in the folder (a README) is not.
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}
# The page loads nothing but its own files and talks to nothing but this origin.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# No build step means no content-hashed file names: the browser keeps a copy but asks
# (If-None-Match) before using it, so a new release is seen on the next load.
CACHE_CONTROL = "no-cache"


def storefront_file(relative):
    """The file under STOREFRONT_DIR named by ``relative``, or None: never outside the folder,
    never a hidden file, only the content types above."""
    parts = relative.split("/")
    if not relative or any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    try:
        path = (STOREFRONT_DIR / relative).resolve()
        inside = path.is_relative_to(STOREFRONT_DIR) and path.is_file()
    except (OSError, ValueError):  # a NUL byte, an over-long name
        return None
    if not inside or path.suffix not in CONTENT_TYPES:
        return None
    return path


def file_response(request, path):
    body = path.read_bytes()
    response = Response(body, content_type=CONTENT_TYPES[path.suffix], headers={
        "Cache-Control": CACHE_CONTROL,
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    })
    response.set_etag(hashlib.sha1(body).hexdigest())
    return response.make_conditional(request)


class StorefrontRoutes:
    @route("GET", "/", summary="The storefront: the travellers' website (HTML)", tags=TAGS,
           responses={200: None, 304: None}, content_type="text/html")
    def storefront(self, request):
        return file_response(request, STOREFRONT_DIR / "index.html")

    @route("GET", "/app/<path:asset>", summary="The storefront's scripts, styles and images", tags=TAGS,
           responses={200: None, 304: None}, errors=(404,))
    def storefront_asset(self, request, asset):
        path = storefront_file(asset)
        if path is None:
            raise NotFound("No such file.")
        return file_response(request, path)
