"""The published JSON Schemas under openapi/schemas/ match the code."""

import json
from pathlib import Path

import jsonschema
import pytest

from xsell_connect.models import SCHEMA_MODELS
from xsell_connect.models.schema import render_schemas, schema_filename

SCHEMAS = Path(__file__).resolve().parents[2] / "openapi" / "schemas"


@pytest.mark.parametrize("name", sorted(render_schemas()))
def test_published_schema_matches_the_model(name: str) -> None:
    published = SCHEMAS / name
    assert published.exists(), f"run: xsell-connect schema --write openapi/schemas ({name})"
    assert published.read_text(encoding="utf-8") == render_schemas()[name], (
        f"{name} drifted from the code; regenerate with xsell-connect schema --write"
    )


def test_no_stale_schema_files_are_published() -> None:
    assert sorted(p.name for p in SCHEMAS.glob("*.schema.json")) == sorted(render_schemas())


@pytest.mark.parametrize("model", SCHEMA_MODELS, ids=lambda m: m.__name__)
def test_every_schema_is_valid_draft_2020_12(model: type) -> None:
    schema = json.loads((SCHEMAS / schema_filename(model)).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)


def test_personal_fields_are_marked_in_the_schema() -> None:
    party = json.loads((SCHEMAS / "Party.schema.json").read_text(encoding="utf-8"))
    marked = {k for k, v in party["properties"].items() if v.get("x-pii")}
    assert marked == {"given_name", "middle_name", "family_name", "legal_name", "birth_date"}
