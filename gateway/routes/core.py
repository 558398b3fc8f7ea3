"""Health, the OpenAPI document and the offline Swagger UI."""
import json
import mimetypes
import time
from pathlib import Path

import eventlet
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response

from common.errors import NotFound
from common.registry import DOMAIN_SERVICES
from gateway.http import json_response, route
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
        timeout = float(self.config.get("HEALTH_TIMEOUT", 2))

        def probe(service):
            started = time.monotonic()
            try:
                getattr(self.rpc, service).health.call_async().result(timeout)
            except Exception as exc:
                return service, {"status": "down", "error": str(exc)}
            return service, {"status": "up", "latency_ms": round((time.monotonic() - started) * 1000, 1)}

        pool = eventlet.GreenPool(len(DOMAIN_SERVICES))
        services = dict(pool.imap(probe, DOMAIN_SERVICES))
        healthy = all(s["status"] == "up" for s in services.values())
        return json_response(
            {"status": "ok" if healthy else "degraded", "services": services},
            200 if healthy else 503,
        )

    @route("GET", "/openapi.json", summary="This API's OpenAPI 3 document", tags=["system"],
           responses={200: None})
    def openapi(self, request):
        cls = type(self)
        if cls._openapi_cache is None:
            from gateway.openapi import build_spec

            cls._openapi_cache = json.dumps(build_spec(cls))
        return Response(cls._openapi_cache, mimetype="application/json")

    @route("GET", "/docs", summary="Browsable API documentation (Swagger UI)", tags=["system"],
           responses={200: None}, content_type="text/html")
    def docs(self, request):
        return Response(DOCS_PAGE, mimetype="text/html")

    @route("GET", "/docs/static/<filename>", summary="Swagger UI assets", tags=["system"],
           responses={200: None}, errors=(404,))
    def docs_static(self, request, filename):
        path = (SWAGGER_DIR / filename).resolve()
        if path.parent != SWAGGER_DIR.resolve() or not path.is_file():
            raise NotFound("No such file.")
        mimetype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Response(path.read_bytes(), mimetype=mimetype, headers={"Cache-Control": "max-age=3600"})
