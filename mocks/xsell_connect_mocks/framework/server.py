"""Serving a mock core over a real socket: blocking (`serve`) or in a thread (`ServerThread`).

Both mark each request with the `SERVED_EXTENSION` scope extension so the fault injector
breaks connections the way a socket can (see `xsell_connect_mocks.framework.faults`).
Both refuse non-loopback hosts unless asked: the mock has no authentication and serves
an open journal.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from types import TracebackType

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from xsell_connect_mocks.framework.core import MockCore
from xsell_connect_mocks.framework.faults import SERVED_EXTENSION

__all__ = ["ServerThread", "serve"]


class _Served:
    """Marks requests as arriving over a socket."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope = {
                **scope,
                "extensions": {**(scope.get("extensions") or {}), SERVED_EXTENSION: True},
            }
        await self.app(scope, receive, send)


def _check_host(host: str, allow_remote: bool) -> None:
    if allow_remote or host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise ValueError(
            f"refusing to serve a mock on non-loopback host {host!r}; "
            "pass allow_remote=True to mean it"
        )


def _config(mock: MockCore, log_level: str) -> uvicorn.Config:
    return uvicorn.Config(
        _Served(mock.app),
        log_level=log_level,
        lifespan="off",
        access_log=False,
        timeout_graceful_shutdown=2,
    )


def serve(
    mock: MockCore,
    *,
    host: str = "127.0.0.1",
    port: int = 8081,
    log_level: str = "warning",
    allow_remote: bool = False,
) -> None:
    """Serve `mock` with uvicorn until interrupted (blocks).

    Args:
        mock: The mock core to serve.
        host: Interface to bind; loopback only unless `allow_remote`.
        port: TCP port.
        log_level: uvicorn log level.
        allow_remote: Allow binding a non-loopback interface.

    Raises:
        ValueError: `host` is not loopback and `allow_remote` is false.
    """
    _check_host(host, allow_remote)
    config = _config(mock, log_level)
    config.host, config.port = host, port
    uvicorn.Server(config).run()


class ServerThread:
    """Serve a mock on loopback in a background thread, for end-to-end tests.

    Example:
        >>> with ServerThread(mock) as server:  # doctest: +SKIP
        ...     httpx.get(f"{server.url}/_mock/health").json()["status"]
        'ok'

    Args:
        mock: The mock core to serve.
        host: Loopback interface to bind.
        port: TCP port; 0 picks a free one (read it from `url`).
        log_level: uvicorn log level.
        timeout: Bound, in seconds, on waiting for start-up and for shutdown.
    """

    def __init__(
        self,
        mock: MockCore,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log_level: str = "warning",
        timeout: float = 10.0,
    ) -> None:
        _check_host(host, allow_remote=False)
        self.mock = mock
        self.timeout = timeout
        # Bind here, not in uvicorn, so port 0 resolves before the thread starts.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        self._server = uvicorn.Server(_config(mock, log_level))
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"mock-{mock.platform}-{self.port}",
            daemon=True,
        )

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Start serving and wait until the server accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + self.timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"mock server on {self.url} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Ask the server to exit and wait (bounded) for the thread to end."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(self.timeout)
        self._socket.close()

    def __enter__(self) -> ServerThread:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
