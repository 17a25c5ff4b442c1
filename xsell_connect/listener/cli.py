"""``xsell-connect listen --config bank.toml``: the listener under uvicorn.

Starlette, uvicorn and pika are imported when the command runs, never when the CLI loads:
a bank installs ``xsell-connect[listener]`` only where the listener runs.
"""

from __future__ import annotations

import logging
from pathlib import Path

import click

from xsell_connect.errors import ConfigurationError

__all__ = ["listen"]


@click.command()
@click.option(
    "--config",
    "config",
    type=click.Path(dir_okay=False, path_type=Path),
    help="TOML settings file; XSELL_* variables override it.",
)
@click.option("--host", help="Override http.host.")
@click.option("--port", type=int, help="Override http.port.")
@click.option("--log-level", default="info", show_default=True)
def listen(config: Path | None, host: str | None, port: int | None, log_level: str) -> None:
    """Run the listener: webhooks, AMQP consumer, inbox workers, APIs, approver page."""
    try:
        import uvicorn

        from xsell_connect.listener.app import create_app
        from xsell_connect.listener.services import Services
        from xsell_connect.listener.settings import load_settings
    except ImportError as exc:
        raise click.ClickException(
            f"the listener needs its extra: pip install 'xsell-connect[listener]' ({exc.name})"
        ) from None
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    # httpx logs each request's URL at INFO, and the pipeline's URLs carry party ids; pika
    # narrates every connection step at INFO. Both keep their warnings and errors.
    for noisy in ("httpx", "pika"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.root.level))
    from xsell_connect.http import transport

    try:
        settings = load_settings(config)
        # The listener sends about ten requests per event to its core: aiohttp carries them
        # for a third of httpx's own CPU per request (XSELL_HTTP_TRANSPORT=httpx opts out).
        # Chosen only once the settings hold, so that a refused start changes nothing.
        transport.prefer("aiohttp")
        http = settings.http.model_copy(
            update={k: v for k, v in {"host": host, "port": port}.items() if v is not None}
        )
        services = Services.build(settings)
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from None
    trusted = http.trusted_proxies
    uvicorn.run(
        create_app(services),
        host=http.host,
        port=http.port,
        log_level=log_level,
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or None,
        access_log=False,  # paths carry party ids; the app logs what it needs
    )
