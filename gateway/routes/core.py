"""Health, the OpenAPI document and the offline Swagger UI."""
import json
import mimetypes
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response

from common.errors import NotFound
from gateway import metrics
from gateway.health import platform_health
from gateway.http import json_response, route
from gateway.openapi import build_spec
from gateway.schemas import HealthSchema

SWAGGER_DIR = Path(swagger_ui_path)
DOCS_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Flight platform API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});</script>
</body></html>"""


class CoreRoutes:
    _openapi_cache = None

    @route("GET", "/health", summary="Reachability of every service", tags=["system"],
           responses={200: HealthSchema, 503: HealthSchema})
    def health(self, request):
        answer, healthy = platform_health(self.rpc, self.settings.health_timeout)
        return json_response(answer, 200 if healthy else 503)

    @route("GET", "/metrics", summary="Prometheus metrics of the gateway process, platform gauges included",
           tags=["system"], responses={200: None}, content_type="text/plain")
    def scrape_metrics(self, request):
        body = metrics.scrape(self.settings.amqp_uri, self.settings.health_timeout)
        return Response(body, content_type=CONTENT_TYPE_LATEST)

    @route("GET", "/openapi.json", summary="This API's OpenAPI 3 document", tags=["system"],
           responses={200: None})
    def openapi(self, request):
        cls = type(self)
        if cls._openapi_cache is None:
            cls._openapi_cache = json.dumps(build_spec(cls))
        return Response(cls._openapi_cache, mimetype="application/json")

    @route("GET", "/docs", summary="Browsable API documentation (Swagger UI)", tags=["system"],
           responses={200: None}, content_type="text/html")
    def docs(self, request):
        return Response(DOCS_PAGE, mimetype="text/html")

    @route("GET", "/docs/static/<filename>", summary="Swagger UI assets", tags=["system"],
           responses={200: None}, errors=(404,))
    def docs_static(self, request, filename):
        try:
            path = (SWAGGER_DIR / filename).resolve()
            found = path.parent == SWAGGER_DIR.resolve() and path.is_file()
        except (OSError, ValueError):  # a NUL byte or an over-long name
            found = False
        if not found:
            raise NotFound("No such file.")
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Response(path.read_bytes(), mimetype=mimetype, headers={"Cache-Control": "max-age=3600"})
