"""Real listener processes on loopback for the reliability tests."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

SECRET = "whsec_" + base64.b64encode(b"reliability-test-key-0123456789a").decode()
MAMBU_SECRET = "reliability-mambu-shared-secret"
CLI = Path(sys.executable).parent / "xsell-connect"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def write_config(directory: Path, store_url: str, *, journal: Path, workers: int = 2) -> Path:
    path = directory / "bank.toml"
    path.write_text(
        f"""
store_url = "{store_url}"
[[sources]]
name = "bank"
secrets = ["{SECRET}"]
max_body_bytes = 65536
[[sources]]
name = "mambu"
format = "mambu"
verification = "shared-secret"
secrets = ["{MAMBU_SECRET}"]
[workers]
count = {workers}
retry_seconds = 0
lease_seconds = 5
[pipeline]
sink = "xsell_connect.listener.ports:JournalSink"
options = {{ path = "{journal}" }}
"""
    )
    return path


@contextmanager
def listener(
    config: Path, port: int, log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """A listener process; SIGTERM on exit unless the test killed it already."""
    env = {
        **os.environ,
        "XSELL_MAMBU_BASE_URL": "https://bank.example/api",
        "XSELL_MAMBU_API_KEY": "not-a-real-key",
        **(env or {}),
    }
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(CLI), "listen", "--config", str(config), "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"listener did not start; see {log}")
            time.sleep(0.1)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
