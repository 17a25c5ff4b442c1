"""JSON Schema of the canonical models, as published under ``openapi/schemas/``.

``tests/contract/test_schemas.py`` fails when the code and the published files drift
apart; ``xsell-connect schema --write openapi/schemas`` regenerates them on purpose.
"""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

__all__ = ["SCHEMA_DIALECT", "render_schemas", "schema_filename", "write_schemas"]

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_filename(model: type[BaseModel]) -> str:
    return f"{model.__name__}.schema.json"


def render_schemas() -> dict[str, str]:
    """File name → the JSON text of each published model's schema (validation mode)."""
    from . import SCHEMA_MODELS

    rendered: dict[str, str] = {}
    for model in SCHEMA_MODELS:
        schema = {"$schema": SCHEMA_DIALECT, **model.model_json_schema(mode="validation")}
        rendered[schema_filename(model)] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return rendered


def write_schemas(directory: Path) -> list[Path]:
    """Write every schema file into ``directory`` and return the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_schemas().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
