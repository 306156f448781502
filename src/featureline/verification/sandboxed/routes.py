"""Print the operations the app really serves, as its own router reports them (JSON).

Derived from the router (FastAPI's ``get_openapi`` over ``app.routes``), not read from
``app.openapi()``: a service may serve a hand-written OpenAPI document (its
specification), which lists operations whether or not a route answers them.
"""

import json
import sys
from typing import Any


def derived_document(app: Any) -> dict[str, Any]:
    """The OpenAPI document the app's routes make, whatever ``app.openapi`` returns."""
    try:
        from fastapi.openapi.utils import get_openapi
    except ImportError:  # not FastAPI: its own document is all there is
        document: dict[str, Any] = app.openapi()
        return document
    return get_openapi(title="routes", version="0", routes=app.routes)


def main() -> None:
    module_name, _, attr = sys.argv[1].partition(":")
    module = __import__(module_name, fromlist=[attr or "app"])
    app: Any = getattr(module, attr or "app")
    if not hasattr(app, "openapi") and callable(app):
        app = app()
    routes = [
        [method.upper(), path, operation.get("operationId")]
        for path, item in derived_document(app).get("paths", {}).items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    print(json.dumps(routes))


if __name__ == "__main__":
    main()
