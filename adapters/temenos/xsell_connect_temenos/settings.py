"""Settings of the Temenos Transact adapter, from ``XSELL_TEMENOS_*`` environment variables.

Example::

    XSELL_TEMENOS_BASE_URL=https://iris.bank.example/api   # the sandbox: https://api.temenos.com/api
    XSELL_TEMENOS_API_KEY=...          # or XSELL_TEMENOS_USERNAME + XSELL_TEMENOS_PASSWORD
    XSELL_TEMENOS_COMPANY_ID=GB0010001
    XSELL_TEMENOS_BANK_TIMEZONE=Europe/Paris

Each provider API moves its version independently (reference §1), so the version of every
resource is pinned in one table, ``api_versions``; a bank on other releases overrides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar
from zoneinfo import ZoneInfo

import httpx
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import SettingsConfigDict

from xsell_connect.errors import ConfigurationError
from xsell_connect.http import ApiKeyAuth, BasicAuth, Timeouts
from xsell_connect.settings import AdapterSettings

__all__ = ["DEFAULT_API_VERSIONS", "TemenosConventions", "TemenosSettings"]

#: Resource -> pinned provider-API version (reference §1, resource table).
DEFAULT_API_VERSIONS: dict[str, str] = {
    "customers": "v4.0.0",
    "customer_accounts": "v1.0.0",
    "accounts": "v4.1.0",
    "transactions": "v2.0.0",
    "arrangements": "v9.2.0",
    "products": "v1.0.0",
    "adverts": "v1.0.0",
    "contact_history": "v1.0.0",
}
_COMPANY = re.compile(r"^[A-Z]{2}\d{7}$")


@dataclass(frozen=True)
class TemenosConventions:
    """Where xsell-connect keeps its data in Transact (project conventions, per bank).

    Attributes:
        nba_extension: ``extensions`` key of the Next_Best_Action local field (XSELL.NBA).
        score_extension: key of the score local field (XSELL.NBA.SCORE).
        expiry_extension: key of the expiry local field (XSELL.NBA.EXPIRY, ``YYYYMMDD``).
        advert_template: ``opportunityTemplateId`` of offers.
        advert_direction: ``opportunityDirection`` of offers.
        advert_status: ``opportunityStatus`` of a new offer.
        advert_application: ``transactionApplication`` naming xsell-connect on an advert;
            the advert's ``transactionId`` then carries the write's idempotency reference.
        contact_type: ``contactType`` of audit rows.
        contact_status: ``contactStatus`` of audit rows.
        contact_staff: ``contactStaff`` of audit rows.
        audit_prefix: first token of the audit row's ``contactNote``.
        organisation_sectors: ``sectorId`` values that mark an organisation.
        accepted_override_types: override ``type`` values the adapter may accept by
            resubmitting; any other override is reported, never accepted.
    """

    nba_extension: str = "xsellNextBestAction"
    score_extension: str = "xsellNbaScore"
    expiry_extension: str = "xsellNbaExpiry"
    advert_template: str = "XSELL.NBA"
    advert_direction: str = "OUTBOUND"
    advert_status: str = "NEW"
    advert_application: str = "XSELL"
    contact_type: str = "XSELL.AI"
    contact_status: str = "COMPLETED"
    contact_staff: str = "XSELL.API"
    audit_prefix: str = "AI_Interaction_Audit/v1"
    organisation_sectors: frozenset[str] = field(default_factory=lambda: frozenset({"2001"}))
    accepted_override_types: frozenset[str] = field(default_factory=lambda: frozenset({"Warning"}))


class TemenosSettings(AdapterSettings):
    """Everything the adapter needs to reach one Transact installation.

    Exactly one authentication method: ``api_key`` (sent in the ``apikey`` header, as the
    sandbox wants) or ``username`` + ``password`` (HTTP Basic). ``extra_headers`` are sent
    on every call (some endpoints want an undocumented ``channelId``, reference §6).
    """

    model_config = SettingsConfigDict(env_prefix="XSELL_TEMENOS_", extra="ignore", frozen=True)
    label: ClassVar[str] = "Temenos"

    base_url: str = Field(description="IRIS API root, e.g. https://api.temenos.com/api")
    api_key: SecretStr | None = None
    api_key_header: str = "apikey"
    username: str | None = None
    password: SecretStr | None = None
    company_id: str = "GB0010001"
    bank_timezone: str = "Europe/Paris"
    page_size: int = Field(default=100, ge=1, le=1000)
    api_versions: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_API_VERSIONS))
    extra_headers: dict[str, str] = Field(default_factory=dict)
    connect_timeout: float = Field(default=5.0, gt=0)
    read_timeout: float = Field(default=30.0, gt=0)
    total_timeout: float = Field(default=60.0, gt=0)
    verify_tls: bool = True
    #: How long a customer record just read may serve as the base of the Next_Best_Action
    #: update (the PUT carries its versionNumber: a record changed since is refused, then
    #: read again); 0 reads it before every update.
    record_reuse_seconds: float = Field(default=30.0, ge=0)
    nba_extension: str = "xsellNextBestAction"
    score_extension: str = "xsellNbaScore"
    expiry_extension: str = "xsellNbaExpiry"
    advert_template: str = "XSELL.NBA"
    contact_type: str = "XSELL.AI"
    organisation_sectors: frozenset[str] = frozenset({"2001"})
    accepted_override_types: frozenset[str] = frozenset({"Warning"})

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        return cls.http_url("base_url", value, "https://api.temenos.com/api")

    @field_validator("company_id")
    @classmethod
    def _check_company(cls, value: str) -> str:
        if not _COMPANY.match(value):
            raise ConfigurationError(
                f"XSELL_TEMENOS_COMPANY_ID is a T24 company (CCGGGLLLL, e.g. GB0010001), "
                f"not {value!r}"
            )
        return value

    @field_validator("bank_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        return cls.iana_zone("bank_timezone", value)

    @model_validator(mode="after")
    def _check_auth(self) -> TemenosSettings:
        basic = self.username is not None or self.password is not None
        if self.api_key is not None and basic:
            raise ConfigurationError(
                "set either XSELL_TEMENOS_API_KEY or XSELL_TEMENOS_USERNAME/PASSWORD, not both"
            )
        if self.api_key is None and not (self.username and self.password):
            raise ConfigurationError(
                "Temenos needs credentials: set XSELL_TEMENOS_API_KEY, or both "
                "XSELL_TEMENOS_USERNAME and XSELL_TEMENOS_PASSWORD"
            )
        missing = sorted(set(DEFAULT_API_VERSIONS) - set(self.api_versions))
        if missing:
            raise ConfigurationError(f"XSELL_TEMENOS_API_VERSIONS lacks {', '.join(missing)}")
        return self

    @property
    def tz(self) -> ZoneInfo:
        """The bank's zone: Transact's business dates are local dates."""
        return ZoneInfo(self.bank_timezone)

    @property
    def conventions(self) -> TemenosConventions:
        return TemenosConventions(
            nba_extension=self.nba_extension,
            score_extension=self.score_extension,
            expiry_extension=self.expiry_extension,
            advert_template=self.advert_template,
            contact_type=self.contact_type,
            organisation_sectors=self.organisation_sectors,
            accepted_override_types=self.accepted_override_types,
        )

    def path(self, resource: str, rest: str) -> str:
        """``/{version}/{rest}`` for a resource of the version table."""
        return f"/{self.api_versions[resource]}/{rest.lstrip('/')}"

    def auth(self) -> httpx.Auth:
        if self.api_key is not None:
            return ApiKeyAuth(self.api_key, header=self.api_key_header)
        assert self.username is not None  # _check_auth
        assert self.password is not None
        return BasicAuth(self.username, self.password)

    def timeouts(self) -> Timeouts:
        return Timeouts(
            connect=self.connect_timeout, read=self.read_timeout, total=self.total_timeout
        )
