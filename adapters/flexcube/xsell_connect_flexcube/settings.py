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
from typing import ClassVar
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from xsell_connect.errors import ConfigurationError
from xsell_connect.settings import AdapterSettings

__all__ = ["DEFAULT_NOTIFICATIONS", "WSDL_DIR", "FlexcubeSettings"]

WSDL_DIR = Path(__file__).parent / "wsdl"
#: NOTIF_CODE -> canonical event type; the codes are configured per bank (reference §3, §7).
DEFAULT_NOTIFICATIONS = {
    "NOTIF_CUST_ACC_BAL": "xsell.account.balance.changed",
    "NOTIF_NEW_CUST_ACC": "xsell.account.opened",
    "NOTIF_ACC_ENTRY": "xsell.ledger.entry.posted",
}


class FlexcubeSettings(AdapterSettings):
    """Everything the adapter needs to reach one FCUBS gateway."""

    model_config = SettingsConfigDict(env_prefix="XSELL_FLEXCUBE_", extra="ignore", frozen=True)
    label: ClassVar[str] = "FLEXCUBE"

    gateway_url: str = Field(description="Gateway root; services live at /<Service>/<Service>")
    wsdl_dir: Path = WSDL_DIR
    source: str = "XSELL"
    userid: str = "XSELLUSR"
    branch: str = "000"
    bank_timezone: str = "Europe/Paris"
    page_size: int = Field(default=200, ge=1, le=1000)
    timeout: float = Field(default=30.0, gt=0)
    retry_max_wait: float = Field(default=10.0, ge=0)
    retry_budget: float = Field(default=60.0, ge=0)
    ca_bundle: Path | None = None
    nba_udf: str = "NEXT_BEST_ACTION"
    score_udf: str = "NBA_SCORE"
    expiry_udf: str = "NBA_EXPIRY"
    offer_ref_udf: str = "NBA_OFFER_REF"
    notifications: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_NOTIFICATIONS))

    @field_validator("gateway_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return cls.http_url("gateway_url", value, "https://fcubs.bank.example:7053")

    @field_validator("wsdl_dir")
    @classmethod
    def _check_dir(cls, value: Path) -> Path:
        if not value.is_dir():
            raise ConfigurationError(f"XSELL_FLEXCUBE_WSDL_DIR {str(value)!r} is not a directory")
        return value

    @field_validator("bank_timezone")
    @classmethod
    def _check_zone(cls, value: str) -> str:
        return cls.iana_zone("bank_timezone", value)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.bank_timezone)
