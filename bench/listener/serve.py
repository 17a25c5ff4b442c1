"""One server of the benchmark, in a process of its own: the listener, or the bare endpoint.

    python -m bench.listener.serve listener --config bench.toml [--loop auto] [--http auto]
    python -m bench.listener.serve bare [--loop auto] [--http auto]

Both run under uvicorn exactly as ``xsell-connect listen`` runs the listener (one process,
access log off, no proxy headers), on a socket bound here to a free loopback port; the
first line on stdout is ``port=<n>``. ``listener`` builds the real app the CLI builds:
``load_settings`` → ``Services.build`` → ``create_app``. ``bare`` is a raw ASGI app that
reads the whole body and answers 202 with a small JSON body, as the listener does: what
the server itself costs, with nothing of ours.
"""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

__all__ = ["bare_app", "main"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_ANSWER = b'{"status":"stored","id":"bare"}'
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"31")]


async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
    """Read the request body to its end, answer 202; lifespan events are acknowledged."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 202, "headers": _HEADERS})
    await send({"type": "http.response.body", "body": _ANSWER})


def _listener_app(config: Path) -> Any:
    from xsell_connect.listener.app import create_app
    from xsell_connect.listener.services import Services
    from xsell_connect.listener.settings import load_settings

    return create_app(Services.build(load_settings(config)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.listener.serve")
    parser.add_argument("app", choices=["listener", "bare"])
    parser.add_argument("--config", type=Path, help="listener settings (TOML)")
    parser.add_argument("--loop", default="auto", help="uvicorn --loop (auto: uvloop if there)")
    parser.add_argument("--http", default="auto", help="uvicorn --http (auto: httptools if there)")
    args = parser.parse_args(argv)

    import uvicorn

    if args.app == "listener":
        if args.config is None:
            parser.error("listener needs --config")
        app = _listener_app(args.config)
    else:
        app = bare_app
    assert len(_ANSWER) == int(_HEADERS[1][1])
    # proto=IPPROTO_TCP as getaddrinfo gives it when uvicorn binds host:port itself: asyncio
    # sets TCP_NODELAY only on sockets whose proto says TCP, and without it the answer's body
    # waits ~40 ms behind its headers (Nagle against delayed ACKs).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    print(f"port={sock.getsockname()[1]}", flush=True)
    config = uvicorn.Config(
        app,
        loop=args.loop,
        http=args.http,
        log_level="warning",
        access_log=False,
        proxy_headers=False,
        lifespan="on",
    )
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
