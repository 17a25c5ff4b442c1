"""The base of every adapter's settings: ``XSELL_<PLATFORM>_*`` variables, one clear error.

An adapter's settings class subclasses ``AdapterSettings``, sets its ``env_prefix`` and
``label``, and gets the same behaviour as every other adapter:

- a validation failure becomes one ``ConfigurationError`` that names each environment
  variable at fault and why (``invalid Mambu settings: XSELL_MAMBU_PAGE_SIZE: ...``),
  never a value of a secret;
- the retry settings (``max_attempts``, ``retry_initial_wait``, ``retry_max_wait``,
  ``retry_budget``; a subclass may redeclare one to change its default) and
  ``retry_policy()`` built from them;
- ``http_url`` and ``iana_zone`` checks for validators, whose messages name the variable.
"""

from __future__ import annotations

from typing import Any, ClassVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from xsell_connect.errors import ConfigurationError
from xsell_connect.http import RetryPolicy

__all__ = ["AdapterSettings"]


class AdapterSettings(BaseSettings):
    """Settings shared by the adapters; see the module docstring."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    #: The platform's name as people write it, for messages ("Mambu", "FLEXCUBE").
    label: ClassVar[str] = "adapter"

    max_attempts: int = Field(default=5, ge=1)
    retry_initial_wait: float = Field(default=0.5, ge=0)
    retry_max_wait: float = Field(default=30.0, ge=0)
    retry_budget: float = Field(default=120.0, ge=0)

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"{type(self).variable('_'.join(str(p) for p in e['loc']))}: {e['msg']}"
                for e in exc.errors()
            )
            raise ConfigurationError(f"invalid {type(self).label} settings: {problems}") from exc

    @classmethod
    def variable(cls, field: str) -> str:
        """The environment variable of a field (``base_url`` → ``XSELL_MAMBU_BASE_URL``)."""
        return f"{cls.model_config.get('env_prefix', '')}{field}".upper()

    @classmethod
    def http_url(cls, field: str, value: str, example: str | None = None) -> str:
        """``value`` without surrounding blanks or a trailing ``/``, if it is http(s)."""
        url = value.strip().rstrip("/")
        if not url.startswith(("https://", "http://")):
            such_as = f" such as {example}" if example else ""
            raise ConfigurationError(
                f"{cls.variable(field)} must be an http(s) URL{such_as}, not {value!r}"
            )
        return url

    @classmethod
    def iana_zone(cls, field: str, value: str) -> str:
        """``value`` if it names an IANA time zone (``Europe/Paris``)."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(
                f"{cls.variable(field)} {value!r} is not an IANA time zone"
            ) from None
        return value

    def retry_policy(self) -> RetryPolicy:
        """The retry policy of every call to the core (see ``xsell_connect.http``)."""
        return RetryPolicy(
            max_attempts=self.max_attempts,
            initial_wait=self.retry_initial_wait,
            max_wait=self.retry_max_wait,
            budget=self.retry_budget,
        )
