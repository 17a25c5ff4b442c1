"""AdapterSettings: every adapter's settings fail the same way, naming the variable."""

from __future__ import annotations

from typing import ClassVar

import pytest
from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from xsell_connect.errors import ConfigurationError
from xsell_connect.http import RetryPolicy
from xsell_connect.settings import AdapterSettings


class AcmeSettings(AdapterSettings):
    model_config = SettingsConfigDict(env_prefix="XSELL_ACME_", extra="ignore", frozen=True)
    label: ClassVar[str] = "Acme"

    base_url: str
    bank_timezone: str = "Europe/Paris"
    page_size: int = Field(default=100, ge=1)
    max_attempts: int = Field(default=7, ge=1)  # a subclass may change a retry default

    @field_validator("base_url")
    @classmethod
    def _url(cls, value: str) -> str:
        return cls.http_url("base_url", value, "https://core.acme.example/api")

    @field_validator("bank_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return cls.iana_zone("bank_timezone", value)


def test_values_come_from_the_prefixed_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XSELL_ACME_BASE_URL", " https://core.acme.example/api/ ")
    monkeypatch.setenv("XSELL_ACME_RETRY_BUDGET", "15")
    settings = AcmeSettings()
    assert settings.base_url == "https://core.acme.example/api"
    assert settings.retry_policy() == RetryPolicy(
        max_attempts=7, initial_wait=0.5, max_wait=30.0, budget=15.0
    )


def test_validation_errors_name_every_variable_at_fault() -> None:
    with pytest.raises(ConfigurationError) as caught:
        AcmeSettings(base_url="https://core.acme.example", page_size=0, max_attempts=0)
    assert str(caught.value) == (
        "invalid Acme settings: "
        "XSELL_ACME_MAX_ATTEMPTS: Input should be greater than or equal to 1; "
        "XSELL_ACME_PAGE_SIZE: Input should be greater than or equal to 1"
    )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            {"base_url": "core.acme.example"},
            "XSELL_ACME_BASE_URL must be an http(s) URL such as "
            "https://core.acme.example/api, not 'core.acme.example'",
        ),
        (
            {"base_url": "https://x", "bank_timezone": "Mars/Olympus"},
            "XSELL_ACME_BANK_TIMEZONE 'Mars/Olympus' is not an IANA time zone",
        ),
    ],
)
def test_checks_name_the_variable(values: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        AcmeSettings(**values)  # type: ignore[arg-type]
    assert str(caught.value) == message
