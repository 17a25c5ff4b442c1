"""Settings of the Finacle adapter, from ``XSELL_FINACLE_*`` environment variables.

Example::

    XSELL_FINACLE_BASE_URL=https://esb.bank.internal:45000
    XSELL_FINACLE_TRANSPORT=fihttp            # or fiusb / fip (SOAP executeService)
    XSELL_FINACLE_CA_BUNDLE=/etc/xsell/bank-ca.pem
    XSELL_FINACLE_BANK_ID=01
    XSELL_FINACLE_TIMEZONE=Asia/Kolkata
    XSELL_FINACLE_SCHEME_TABLE_PATH=/etc/xsell/schemes.json

TLS is never switched off: an ``https`` URL needs ``ca_bundle`` (the bank's CA or the
pinned ESB certificate); plain ``http`` is accepted only for loopback hosts (the mock
core, a local ESB tunnel). Finacle writes times without a zone: ``timezone`` says which.
"""

from __future__ import annotations

import json
from decimal import Decimal
from ipaddress import ip_address
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from xsell_connect.errors import ConfigurationError
from xsell_connect.http import RetryPolicy, Timeouts

__all__ = ["TRANSPORTS", "FinacleSettings", "Scheme", "TransportSpec"]


class TransportSpec(BaseModel):
    """Where and how one transport reaches the Finacle Integrator."""

    model_config = ConfigDict(frozen=True)
    path: str
    soap_namespace: str | None = None  # None: raw FIXML
    soap_argument: str = "arg_0_0"
    soap_result: str = "return"
    content_type: str = "application/xml"


TRANSPORTS: dict[str, TransportSpec] = {
    "fihttp": TransportSpec(path="/FISERVLET/fihttp"),
    "fiusb": TransportSpec(
        path="/fiusb/services/FIUSBWebService",
        soap_namespace="http://webservice.fiusb.ci.infosys.com",
        content_type="text/xml; charset=utf-8",
    ),
    "fip": TransportSpec(
        path="/fip/services/FIPWebService",
        soap_namespace="http://endpoint.fip.infosys.com",
        soap_result="executeServiceReturn",
        content_type="application/soap+xml; charset=utf-8",
    ),
}


class Scheme(BaseModel):
    """One row of the bank's static scheme table (project convention; see the README)."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)
    schm_code: str = Field(alias="SchmCode")
    schm_type: str = Field(alias="SchmType")
    product_code: str = Field(alias="ProductCode")
    description: str = Field(default="", alias="Description")
    family: str = Field(alias="Family")
    currencies: tuple[str, ...] = Field(alias="Currencies")
    rate_min: Decimal | None = Field(default=None, alias="RateMin")
    rate_max: Decimal | None = Field(default=None, alias="RateMax")
    rate_default: Decimal | None = Field(default=None, alias="RateDefault")
    min_amount: Decimal | None = Field(default=None, alias="MinAmt")
    max_amount: Decimal | None = Field(default=None, alias="MaxAmt")
    min_term_months: int | None = Field(default=None, alias="MinTermMonths")
    max_term_months: int | None = Field(default=None, alias="MaxTermMonths")
    min_age: int | None = Field(default=None, alias="MinAge")
    max_age: int | None = Field(default=None, alias="MaxAge")
    segments: tuple[str, ...] = Field(default=(), alias="SegmentationClass")
    residency: tuple[str, ...] = Field(default=(), alias="Residency")
    min_balance: Decimal | None = Field(default=None, alias="MinBalance")
    requires_families: tuple[str, ...] = Field(default=(), alias="RequiresFamilies")
    excludes_families: tuple[str, ...] = Field(default=(), alias="ExcludesFamilies")
    cust_types: tuple[str, ...] = Field(default=("RETAIL",), alias="CustTypes")
    channels: tuple[str, ...] = Field(default=(), alias="Channels")
    active_from: str = Field(default="", alias="ActiveFrom")
    active_to: str = Field(default="", alias="ActiveTo")
    version: str = Field(default="", alias="Version")

    @model_validator(mode="before")
    @classmethod
    def _blank_is_none(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {
                k: (None if v == "" and k not in {"ActiveFrom", "ActiveTo"} else v)
                for k, v in data.items()
            }
        return data


class FinacleSettings(BaseSettings):
    """Everything the adapter needs to reach one bank's Finacle Integrator."""

    model_config = SettingsConfigDict(env_prefix="XSELL_FINACLE_", extra="forbid", frozen=True)

    base_url: str
    transport: Literal["fihttp", "fiusb", "fip"] = "fihttp"
    endpoint_path: str | None = None  # overrides the transport's default path (bank WSDL)
    ca_bundle: Path | None = None
    bank_id: str = ""
    channel_id: str = "CRM"
    user_id: str = ""
    password: SecretStr = SecretStr("")
    timezone: str = "UTC"
    scheme_table: tuple[Scheme, ...] = ()
    scheme_table_path: Path | None = None
    person_constitution_codes: frozenset[str] = frozenset({"C001"})
    not_found_party_codes: frozenset[str] = frozenset({"55007"})
    not_found_account_codes: frozenset[str] = frozenset({"E0011"})
    page_size: int = Field(default=50, ge=1, le=500)
    statement_rows: int = Field(default=50, ge=1, le=5000)
    statement_rows_max: int = Field(default=5000, ge=1)
    timeouts: Timeouts = Timeouts()
    retry: RetryPolicy = RetryPolicy()

    @model_validator(mode="after")
    def _check(self) -> FinacleSettings:
        parts = urlsplit(self.base_url)
        if parts.scheme == "https":
            if self.ca_bundle is None or not self.ca_bundle.is_file():
                raise ValueError(
                    "an https base_url needs ca_bundle: a CA or pinned certificate "
                    "file (TLS verification cannot be turned off)"
                )
        elif parts.scheme == "http":
            if not _loopback(parts.hostname or ""):
                raise ValueError("plain http is allowed only to loopback hosts; use https")
        else:
            raise ValueError(f"base_url must be http(s), not {self.base_url!r}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def wire(self) -> TransportSpec:
        spec = TRANSPORTS[self.transport]
        return (
            spec
            if self.endpoint_path is None
            else spec.model_copy(update={"path": self.endpoint_path})
        )

    def schemes(self) -> tuple[Scheme, ...]:
        """The scheme table: inline, else read from ``scheme_table_path``."""
        if self.scheme_table or self.scheme_table_path is None:
            return self.scheme_table
        try:
            rows = json.loads(self.scheme_table_path.read_text(encoding="utf-8"))
            return tuple(Scheme.model_validate(r) for r in rows)
        except (OSError, ValueError, ValidationError) as exc:
            raise ConfigurationError(f"cannot read the scheme table: {exc}") from exc

    @classmethod
    def build(cls, values: Any = None) -> FinacleSettings:
        """Settings from a mapping (or the environment), errors as ``ConfigurationError``."""
        try:
            return values if isinstance(values, cls) else cls(**(values or {}))
        except ValidationError as exc:
            raise ConfigurationError(f"invalid Finacle settings: {exc}") from exc


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".mock"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
