"""Settings of the Mambu adapter, from ``XSELL_MAMBU_*`` environment variables.

Example::

    XSELL_MAMBU_BASE_URL=https://acme.sandbox.mambu.com/api
    XSELL_MAMBU_API_KEY=...                  # or XSELL_MAMBU_USERNAME + XSELL_MAMBU_PASSWORD
    XSELL_MAMBU_TENANT_TIMEZONE=Europe/Paris

The tenant's time zone is configured, never discovered: reading ``/setup/organization``
needs administrator rights, and Mambu v2 rejects a datetime whose offset is not the
tenant's at that instant (https://docs.mambu.com/api/pages/api-v2/timezone-offsets/).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar
from zoneinfo import ZoneInfo

import httpx
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from xsell_connect.errors import ConfigurationError
from xsell_connect.http import ApiKeyAuth, BasicAuth, Timeouts
from xsell_connect.settings import AdapterSettings

__all__ = ["MambuConventions", "MambuSettings"]


@dataclass(frozen=True)
class MambuConventions:
    """Where xsell-connect keeps its data in a Mambu tenant (project convention, per bank).

    Attributes:
        nba_field_set: custom-field set (``availableFor: CLIENT``) holding the NBA fields.
        nba_field: the Next_Best_Action field (free text).
        score_field: the score field (number, stored as a string).
        expiry_field: the expiry field (date).
        offer_ref_field: the optional offer reference field (free text).
        profile_field_set: the set holding segment, KYC status, consents, ...
        audit_prefix: first token of every AI_Interaction_Audit comment.
    """

    nba_field_set: str = "_xsell"
    nba_field: str = "Next_Best_Action"
    score_field: str = "NBA_Score"
    expiry_field: str = "NBA_Expiry"
    offer_ref_field: str = "NBA_Offer_Ref"
    profile_field_set: str = "_profile"
    audit_prefix: str = "AI_Interaction_Audit/v1"


class MambuSettings(AdapterSettings):
    """Everything the adapter needs to reach one Mambu tenant.

    Exactly one authentication method: ``api_key`` (an API consumer's key, sent in the
    ``apiKey`` header), or ``username`` + ``password`` (HTTP Basic of a user with API
    rights). Anything else raises ``ConfigurationError`` naming the settings involved.
    """

    model_config = SettingsConfigDict(env_prefix="XSELL_MAMBU_", extra="ignore", frozen=True)
    label: ClassVar[str] = "Mambu"

    base_url: str = Field(description="Tenant API root, e.g. https://acme.sandbox.mambu.com/api")
    api_key: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    tenant_timezone: str = "Europe/Paris"
    page_size: int = Field(default=200, ge=1, le=1000)
    ledger_overlap: int = Field(default=20, ge=0)
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    write_timeout: float = Field(default=30.0, gt=0)
    pool_timeout: float = Field(default=5.0, gt=0)
    total_timeout: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=7, ge=1)
    verify_tls: bool = True
    nba_field_set: str = "_xsell"
    nba_field: str = "Next_Best_Action"
    score_field: str = "NBA_Score"
    expiry_field: str = "NBA_Expiry"
    offer_ref_field: str = "NBA_Offer_Ref"
    profile_field_set: str = "_profile"
    audit_prefix: str = "AI_Interaction_Audit/v1"
    webhook_secret: SecretStr | None = None

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        return cls.http_url("base_url", value, "https://acme.sandbox.mambu.com/api")

    @field_validator("tenant_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return cls.iana_zone("tenant_timezone", value)

    @field_validator("nba_field_set", "profile_field_set")
    @classmethod
    def _check_set_id(cls, value: str) -> str:
        # Custom-field sets appear as top-level keys starting with "_" (reference §2.1).
        if not value.startswith("_") or len(value) < 2:
            raise ConfigurationError(f"custom-field set ids start with '_', not {value!r}")
        return value

    @model_validator(mode="after")
    def _check_auth(self) -> MambuSettings:
        basic = self.username is not None or self.password is not None
        if self.api_key is not None and basic:
            raise ConfigurationError(
                "set either XSELL_MAMBU_API_KEY or XSELL_MAMBU_USERNAME/XSELL_MAMBU_PASSWORD, "
                "not both"
            )
        if self.api_key is None and not (self.username and self.password):
            raise ConfigurationError(
                "Mambu needs credentials: set XSELL_MAMBU_API_KEY, or both "
                "XSELL_MAMBU_USERNAME and XSELL_MAMBU_PASSWORD"
            )
        if self.ledger_overlap >= self.page_size:
            raise ConfigurationError(
                "XSELL_MAMBU_LEDGER_OVERLAP must be smaller than XSELL_MAMBU_PAGE_SIZE"
            )
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The tenant's time zone."""
        return ZoneInfo(self.tenant_timezone)

    @property
    def conventions(self) -> MambuConventions:
        """The custom-field and comment conventions configured for this bank."""
        return MambuConventions(
            nba_field_set=self.nba_field_set,
            nba_field=self.nba_field,
            score_field=self.score_field,
            expiry_field=self.expiry_field,
            offer_ref_field=self.offer_ref_field,
            profile_field_set=self.profile_field_set,
            audit_prefix=self.audit_prefix,
        )

    def auth(self) -> httpx.Auth:
        """The configured authentication strategy."""
        if self.api_key is not None:
            return ApiKeyAuth(self.api_key, header="apiKey")
        assert self.username is not None  # _check_auth
        assert self.password is not None
        return BasicAuth(self.username, self.password)

    def timeouts(self) -> Timeouts:
        return Timeouts(
            connect=self.connect_timeout,
            read=self.read_timeout,
            write=self.write_timeout,
            pool=self.pool_timeout,
            total=self.total_timeout,
        )
