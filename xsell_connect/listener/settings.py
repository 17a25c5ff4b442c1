"""Settings of the listener service: a TOML file, overridden by ``XSELL_*`` variables.

Example (see ``examples/bank.toml`` for every setting)::

    store_url = "postgresql://xsell@db/xsell"

    [http]
    port = 8080

    [[sources]]
    name = "mambu"
    format = "mambu"                     # the adapter that parses its bodies
    verification = "shared-secret"
    # secrets: from XSELL_SOURCE_MAMBU_SECRETS (space-separated), never in the file

Environment variables win over the file and use ``__`` between levels, e.g.
``XSELL_HTTP__PORT=9000`` or ``XSELL_AMQP__URL=amqp://...``. Secrets are ``SecretStr``:
they never show in a repr, a log line or an error. ``load_settings`` validates everything
at start-up and raises ``ConfigurationError`` whose message names each bad setting.
"""

from __future__ import annotations

import ipaddress
import os
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from xsell_connect.errors import ConfigurationError

__all__ = [
    "AmqpSettings",
    "HttpSettings",
    "ListenerSettings",
    "PipelineSettings",
    "SourceSettings",
    "Verification",
    "WorkerSettings",
    "load_settings",
    "secrets_variable",
]

#: The parser of bodies that are CloudEvents structured JSON already (one event or a list).
CANONICAL_FORMAT = "canonical"


class Verification(StrEnum):
    STANDARD_WEBHOOKS = "standard-webhooks"  # webhook-id / -timestamp / -signature, HMAC v1
    SHARED_SECRET = "shared-secret"  # noqa: S105 - a static header for cores that sign nothing (Mambu)
    NONE = "none"  # only allowed together with an IP allow-list


def secrets_variable(source: str) -> str:
    """The variable holding a source's secrets: ``XSELL_SOURCE_<NAME>_SECRETS``."""
    return f"XSELL_SOURCE_{source.upper().replace('-', '_')}_SECRETS"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceSettings(_Section):
    """One sender of webhooks (or the parser of one queue's messages)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_-]{0,62}$")
    format: str = Field(default=CANONICAL_FORMAT, min_length=1)
    verification: Verification = Verification.STANDARD_WEBHOOKS
    secrets: list[SecretStr] = Field(default_factory=list)
    secret_header: str = "X-Xsell-Webhook-Secret"  # noqa: S105 - a header name
    id_header: str | None = None  # e.g. x-notifications-idempotency-key for Mambu
    allow_ips: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = Field(default_factory=list)
    tolerance_seconds: int = Field(default=300, ge=1, le=3600)
    max_body_bytes: int = Field(default=1_048_576, ge=1)

    @model_validator(mode="before")
    @classmethod
    def _secrets_from_environment(cls, data: Any) -> Any:
        # Lists of sections cannot be reached by XSELL_*__ variables; each source reads its
        # secrets (space-separated, several during a rotation) from its own variable.
        if isinstance(data, dict) and isinstance(data.get("name"), str):
            variable = secrets_variable(data["name"])
            if os.environ.get(variable):
                data = {**data, "secrets": os.environ[variable].split()}
        return data

    @model_validator(mode="after")
    def _verifiable(self) -> Self:
        if self.verification is Verification.NONE and not self.allow_ips:
            raise ValueError("verification 'none' needs allow_ips")
        if self.verification is not Verification.NONE and not self.secrets:
            raise ValueError(f"verification {self.verification.value!r} needs secrets")
        if self.verification is Verification.STANDARD_WEBHOOKS:
            for secret in self.secrets:
                if not secret.get_secret_value().startswith("whsec_"):
                    raise ValueError("standard-webhooks secrets start with 'whsec_'")
        return self


class HttpSettings(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    #: Addresses whose X-Forwarded-For is believed; empty: the socket peer is the client.
    trusted_proxies: list[str] = Field(default_factory=list)


class AmqpSettings(_Section):
    """The AMQP consumer (pika); absent means no consumer runs."""

    url: SecretStr
    source: str = Field(min_length=1)  # the [[sources]] entry whose format parses messages
    queue: str = Field(default="xsell.events", min_length=1)
    dead_letter_exchange: str = Field(default="xsell.events.dlx", min_length=1)
    prefetch: int = Field(default=200, ge=1, le=65535)
    #: Most deliveries committed in one transaction and acked with one ack. A batch is what
    #: one round of I/O brought, so no delivery waits for a batch to fill.
    batch: int = Field(default=100, ge=1, le=10_000)
    max_attempts: int = Field(default=5, ge=1, le=100)
    heartbeat_seconds: int = Field(default=30, ge=5)
    reconnect_max_seconds: float = Field(default=30.0, gt=0)
    connection_name: str = "xsell-connect-listener"
    #: Topic exchange canonical events are republished to (with confirms); None: none.
    republish_exchange: str | None = None


class WorkerSettings(_Section):
    count: int = Field(default=2, ge=0, le=64)
    batch: int = Field(default=20, ge=1, le=1000)
    lease_seconds: float = Field(default=60.0, gt=0)
    max_attempts: int = Field(default=10, ge=1)
    retry_seconds: float = Field(default=5.0, ge=0)
    idle_seconds: float = Field(default=0.2, gt=0)


class PipelineSettings(_Section):
    """Where the listener hands events.

    With ``platform`` set, the decision pipeline runs in the listener over the same store
    as the inbox: ``platform`` names the adapter (the core) the pipeline reads Customer 360s
    from and writes back to, configured by its own ``XSELL_<PLATFORM>_*`` variables. Else
    ``sink`` (a ``module:factory`` path called with ``options``) receives the events, or the
    in-memory sink when neither is set.
    """

    platform: str | None = None
    #: HMAC key of the party pseudonym; from XSELL_PIPELINE__PSEUDONYM_KEY (or, like the
    #: batch command, XSELL_PSEUDONYM_KEY), never from the file.
    pseudonym_key: SecretStr | None = None
    mode: Literal["live", "shadow"] = "live"
    policy: Path | None = None  # TOML; None: the embedded default policy
    push: bool = False  # also push each offer to the channel endpoint
    drain_seconds: float = Field(default=1.0, gt=0)  # outbox drainer's idle wait
    writeback_attempts: int = Field(default=8, ge=1, le=100)
    writeback_backoff_seconds: float = Field(default=1.0, gt=0)  # first retry; doubles
    writeback_lease_seconds: float = Field(default=120.0, gt=0)
    #: Effects written back at once: each waits on the core, and too few held every
    #: offer behind the write-backs of all the decisions made before it.
    writeback_concurrency: int = Field(default=16, ge=1, le=256)
    #: How long a governance window aggregate (breaker statistics, fairness tallies) is
    #: reused by the decisions after it: each read covers every party in the window.
    aggregate_seconds: float = Field(default=1.0, ge=0)
    sink: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _key_from_environment(cls, data: Any) -> Any:
        fallback = os.environ.get("XSELL_PSEUDONYM_KEY")
        if isinstance(data, dict) and not data.get("pseudonym_key") and fallback:
            data = {**data, "pseudonym_key": fallback}
        return data

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if self.platform is not None and self.sink is not None:
            raise ValueError("set either platform (the decision pipeline) or sink, not both")
        if self.platform is not None:
            if self.pseudonym_key is None or not self.pseudonym_key.get_secret_value():
                raise ValueError("platform needs pseudonym_key (XSELL_PIPELINE__PSEUDONYM_KEY)")
            if self.policy is not None and not self.policy.is_file():
                raise ValueError(f"policy file {self.policy} does not exist")
        return self


class ListenerSettings(BaseSettings):
    """Everything ``xsell-connect listen`` needs."""

    model_config = SettingsConfigDict(
        env_prefix="XSELL_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    store_url: str = "sqlite:///xsell-connect.db"
    http: HttpSettings = HttpSettings()
    sources: list[SourceSettings] = Field(default_factory=list)
    amqp: AmqpSettings | None = None
    workers: WorkerSettings = WorkerSettings()
    pipeline: PipelineSettings = PipelineSettings()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        names = [s.name for s in self.sources]
        if len(set(names)) != len(names):
            raise ValueError("source names must be unique")
        if self.amqp is not None and self.amqp.source not in names:
            raise ValueError(f"amqp.source {self.amqp.source!r} is not one of the sources")
        return self

    def source(self, name: str) -> SourceSettings | None:
        return next((s for s in self.sources if s.name == name), None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # toml_file comes from model_config (None: no file), set by load_settings.
        toml = TomlConfigSettingsSource(settings_cls)
        return (init_settings, env_settings, toml, file_secret_settings)


def load_settings(path: Path | None = None, **overrides: Any) -> ListenerSettings:
    """The settings from ``path`` (TOML) and the environment, validated.

    Raises:
        ConfigurationError: the file is missing or not TOML, or settings are invalid; the
            message names each setting (``sources.0.secrets: ...``) and never its value.
    """
    if path is not None and not path.is_file():
        raise ConfigurationError(f"listener config {path} does not exist")
    cls: type[ListenerSettings] = ListenerSettings
    if path is not None:
        config = SettingsConfigDict(**{**ListenerSettings.model_config, "toml_file": path})
        cls = type("ListenerSettings", (ListenerSettings,), {"model_config": config})
    try:
        return cls(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(f"invalid listener settings: {problems}") from None
    except ValueError as exc:  # tomllib.TOMLDecodeError
        raise ConfigurationError(f"listener config {path} is not valid TOML: {exc}") from None
