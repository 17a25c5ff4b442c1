"""Load a TOML configuration file into a pydantic model, failing with the exact field.

Used for the policy, the signal thresholds and the message templates. An invalid file
stops start-up with ``PolicyError``, whose message names the file, the dotted field path
and pydantic's reason, e.g. ``policy.toml: contact_limits.EMAIL.max: Input should be
greater than or equal to 0``.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from xsell_connect.errors import ConfigurationError

__all__ = ["PolicyError", "load_default", "load_model", "parse_model"]

M = TypeVar("M", bound=BaseModel)


class PolicyError(ConfigurationError):
    """A configuration file (policy, signals, templates) is invalid.

    Attributes:
        source: the file's name.
        field: the dotted path of the first invalid field ("" for a syntax error).
        reason: why it is invalid.
    """

    def __init__(self, source: str, field: str, reason: str) -> None:
        self.source, self.field, self.reason = source, field, reason
        where = f"{field}: " if field else ""
        super().__init__(f"{source}: {where}{reason}")


def _dotted(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if item == "[key]":  # pydantic's marker for an invalid dict key: the key is named
            continue
        if isinstance(item, int):
            parts.append(f"[{item}]")
        else:
            parts.append(("." if parts else "") + item)
    return "".join(parts)


def parse_model(text: str, model: type[M], source: str) -> M:
    """Parse TOML ``text`` into ``model``; raise ``PolicyError`` naming the first bad field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, "", f"not valid TOML: {exc}") from exc
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise PolicyError(source, _dotted(tuple(first["loc"])), first["msg"]) from exc


def load_model(path: Path | str, model: type[M]) -> M:
    """Read and validate a TOML file; a missing file is a ``PolicyError`` too."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(path.name, "", f"cannot read {path}: {exc.strerror}") from exc
    return parse_model(text, model, path.name)


def load_default(name: str, model: type[M]) -> M:
    """Validate one of the embedded defaults in ``xsell_connect/pipeline/defaults/``."""
    text = resources.files("xsell_connect.pipeline.defaults").joinpath(name).read_text("utf-8")
    return parse_model(text, model, name)
