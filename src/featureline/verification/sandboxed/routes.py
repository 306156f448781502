"""Print the operations the app really serves, as its own router reports them (JSON)."""

import json
import sys
from typing import Any


def main() -> None:
    module_name, _, attr = sys.argv[1].partition(":")
    module = __import__(module_name, fromlist=[attr or "app"])
    app: Any = getattr(module, attr or "app")
    if not hasattr(app, "openapi") and callable(app):
        app = app()
    routes = [
        [method.upper(), path, operation.get("operationId")]
        for path, item in app.openapi().get("paths", {}).items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    print(json.dumps(routes))


if __name__ == "__main__":
    main()
