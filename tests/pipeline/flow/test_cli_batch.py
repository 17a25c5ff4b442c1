"""`xsell-connect batch` over real HTTP: the Mambu mock served on loopback, and a channel
endpoint receiving the signed pushes, verified with the reference Standard Webhooks library."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from standardwebhooks.webhooks import Webhook
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.framework import ServerThread
from xsell_connect_mocks.mambu import MambuMock

from xsell_connect.cli import main

SECRET = "whsec_" + base64.b64encode(b"channel-push-secret-for-tests!!").decode()


class _Channel(BaseHTTPRequestHandler):
    received: list[tuple[dict[str, str], bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        self.received.append((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def channel() -> Iterator[tuple[str, list[tuple[dict[str, str], bytes]]]]:
    received: list[tuple[dict[str, str], bytes]] = []
    handler = type("Channel", (_Channel,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/offers", received
    finally:
        server.shutdown()
        server.server_close()


def test_batch_offers_write_back_and_push_signed_offers(
    tmp_path: Path, channel: tuple[str, list[tuple[dict[str, str], bytes]]]
) -> None:
    push_url, received = channel
    # Every pattern trusted, so that offers go out now (guarded ones wait for their recall
    # window, observe ones for a human).
    policy = tmp_path / "policy.toml"
    defaults = resources.files("xsell_connect.pipeline.defaults") / "policy.toml"
    text = defaults.read_text().replace('"guarded"', '"trusted"').replace('"observe"', '"trusted"')
    policy.write_text(text)
    core = MambuMock(SyntheticBank(BankConfig(seed=7, customers=30)))
    store = f"sqlite:///{tmp_path / 'store.db'}"
    env = {
        "XSELL_MAMBU_API_KEY": "test-api-key",
        "XSELL_PSEUDONYM_KEY": "pseudonym-key-for-tests",
        "XSELL_CHANNEL_PUSH_SECRET": SECRET,
    }
    with ServerThread(core) as server:
        result = CliRunner(env=env).invoke(
            main,
            ["batch", "mambu", "--base-url", f"{server.url}/api", "--job", "t1",
             "--push-url", push_url, "--policy", str(policy), "--store", store],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    offers = [e for e in core.journal.entries(method="POST", path_prefix="/api/tasks") if e.created]
    assert offers, "the batch over 30 customers made at least one automatic offer"
    # One push per offer written to the core, each verifying with the reference library.
    assert len(received) == len(offers)
    verifier = Webhook(SECRET)
    ids = set()
    for headers, body in received:
        lowered = {k.lower(): v for k, v in headers.items()}
        payload = verifier.verify(body, lowered)
        assert payload["id"].startswith("OFR-")
        ids.add(lowered["webhook-id"])
    assert len(ids) == len(received)
    assert json.loads(received[0][1])["status"] in {"PROPOSED", "APPROVED"}


def test_batch_refuses_a_push_secret_that_is_not_whsec(tmp_path: Path) -> None:
    env = {"XSELL_PSEUDONYM_KEY": "k", "XSELL_CHANNEL_PUSH_SECRET": "plain"}
    result = CliRunner(env=env).invoke(
        main,
        ["batch", "mambu", "--push-url", "http://127.0.0.1:9/x", "--store",
         f"sqlite:///{tmp_path / 's.db'}"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "XSELL_CHANNEL_PUSH_SECRET: channel push secret must be whsec_<base64>" in result.output
