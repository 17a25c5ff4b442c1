"""Settings of the FLEXCUBE adapter, from ``XSELL_FLEXCUBE_*`` environment variables.

Example::

    XSELL_FLEXCUBE_GATEWAY_URL=https://fcubs.bank.example:7053
    XSELL_FLEXCUBE_SOURCE=XSELL               # maintained in GWDETFUN
    XSELL_FLEXCUBE_USERID=XSELLUSR
    XSELL_FLEXCUBE_WSDL_DIR=/etc/xsell/fcubs  # the bank's own WSDL/XSD copies (optional)

WSDLs are always read from local files (the package's own by default), never over the
network (reference flexcube.md §1, runtime.md §6).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from xsell_connect.errors import ConfigurationError
from xsell_connect.http import RetryPolicy

__all__ = ["DEFAULT_NOTIFICATIONS", "WSDL_DIR", "FlexcubeSettings"]

WSDL_DIR = Path(__file__).parent / "wsdl"
#: NOTIF_CODE -> canonical event type; the codes are configured per bank (reference §3, §7).
DEFAULT_NOTIFICATIONS = {
    "NOTIF_CUST_ACC_BAL": "xsell.account.balance.changed",
    "NOTIF_NEW_CUST_ACC": "xsell.account.opened",
    "NOTIF_ACC_ENTRY": "xsell.ledger.entry.posted",
}


class FlexcubeSettings(BaseSettings):
    """Everything the adapter needs to reach one FCUBS gateway."""

    model_config = SettingsConfigDict(env_prefix="XSELL_FLEXCUBE_", extra="ignore", frozen=True)

    gateway_url: str = Field(description="Gateway root; services live at /<Service>/<Service>")
    wsdl_dir: Path = WSDL_DIR
    source: str = "XSELL"
    userid: str = "XSELLUSR"
    branch: str = "000"
    bank_timezone: str = "Europe/Paris"
    page_size: int = Field(default=200, ge=1, le=1000)
    timeout: float = Field(default=30.0, gt=0)
    max_attempts: int = Field(default=5, ge=1)
    retry_initial_wait: float = Field(default=0.5, ge=0)
    retry_max_wait: float = Field(default=10.0, ge=0)
    retry_budget: float = Field(default=60.0, ge=0)
    ca_bundle: Path | None = None
    nba_udf: str = "NEXT_BEST_ACTION"
    score_udf: str = "NBA_SCORE"
    expiry_udf: str = "NBA_EXPIRY"
    offer_ref_udf: str = "NBA_OFFER_REF"
    notifications: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_NOTIFICATIONS))

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            problems = "; ".join(
                f"XSELL_FLEXCUBE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
                for e in exc.errors()
            )
            raise ConfigurationError(f"invalid FLEXCUBE settings: {problems}") from exc

    @field_validator("gateway_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise ConfigurationError(f"XSELL_FLEXCUBE_GATEWAY_URL must be http(s), not {value!r}")
        return url

    @field_validator("wsdl_dir")
    @classmethod
    def _check_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ConfigurationError(f"XSELL_FLEXCUBE_WSDL_DIR {str(value)!r} is not a directory")
        return value

    @field_validator("bank_timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(f"{value!r} is not an IANA time zone") from None
        return value

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bank_timezone)

    def retry_policy(self) -> RetryPolicy:
        return RetryPolicy(
            max_attempts=self.max_attempts,
            initial_wait=self.retry_initial_wait,
            max_wait=self.retry_max_wait,
            budget=self.retry_budget,
        )
