"""openapi/xsell-connect.yaml describes exactly the routes the app serves."""

from __future__ import annotations

from pathlib import Path

import yaml
from starlette.routing import Route

from xsell_connect.listener.app import create_app
from xsell_connect.listener.services import Services

SPEC = Path(__file__).resolve().parents[2] / "openapi" / "xsell-connect.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}


def test_the_spec_and_the_app_have_the_same_operations(services: Services) -> None:
    spec = yaml.safe_load(SPEC.read_text())
    documented = {
        (path, method.upper())
        for path, item in spec["paths"].items()
        for method in item
        if method in METHODS
    }
    served = {
        (route.path, method)
        for route in create_app(services).routes
        if isinstance(route, Route)
        for method in route.methods or ()
        if method != "HEAD"
    }
    assert documented == served


def test_every_path_parameter_is_declared() -> None:
    spec = yaml.safe_load(SPEC.read_text())
    components = spec["components"]["parameters"]
    for path, item in spec["paths"].items():
        for operation in (v for k, v in item.items() if k in METHODS):
            declared = {
                (components[p["$ref"].rsplit("/", 1)[1]] if "$ref" in p else p)["name"]
                for p in operation.get("parameters", ())
            }
            wanted = {part[1:-1] for part in path.split("/") if part.startswith("{")}
            assert wanted <= declared, path
