"""The built wheel carries the WSDL/XSD (a symlink in the repo) and zeep loads them from it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
CONTRACTS = ROOT / "openapi" / "flexcube"
# Run from a wheel unpacked first on sys.path, with every socket refused: each service's
# WSDL and XSD load through zeep (the adapter's client), and one call reaches the mock.
_CHECK = """
import asyncio, json, socket, sys

def _refuse(*args, **kwargs):
    raise OSError("network refused by the packaging test")

socket.socket.connect = socket.socket.connect_ex = _refuse
socket.create_connection = socket.getaddrinfo = _refuse

import xsell_connect_flexcube
from xsell_connect_flexcube import FlexcubeAdapter, FlexcubeSettings
from xsell_connect_flexcube.settings import WSDL_DIR
from xsell_connect_mocks.bank import BankConfig, SyntheticBank
from xsell_connect_mocks.flexcube import FlexcubeMock

SERVICES = ["FCUBSAccService", "FCUBSCustomerService", "XSCEngagementService",
            "XSCStatementService"]


async def main():
    mock = FlexcubeMock(SyntheticBank(BankConfig(seed=5, customers=2)))
    settings = FlexcubeSettings(gateway_url="http://flexcube.mock")
    async with FlexcubeAdapter.from_settings(settings, transport=mock.transport()) as adapter:
        operations = {s: sorted(adapter.client.proxy(s)._operations) for s in SERVICES}
        party = await adapter.get_party("100000001")
    return {"package": xsell_connect_flexcube.__file__, "wsdl_dir": str(WSDL_DIR.resolve()),
            "operations": operations, "party": party.id}

print(json.dumps(asyncio.run(main())))
"""


def _uv() -> str:
    uv = ROOT / ".xsell" / "tools" / "bin" / "uv"
    if not uv.exists():
        pytest.fail(f"uv not found at {uv}: run `python3 dev.py sync` first")
    return str(uv)


def _build(package: str, out: Path) -> Path:
    """sdist, then the wheel from it (as ``uv build`` does), offline: hatchling comes from
    the uv cache that ``uv sync`` filled."""
    subprocess.run(
        [_uv(), "build", "--offline", "--quiet", "--package", package, "-o", str(out)],
        cwd=ROOT, check=True, timeout=180, env={**os.environ, "UV_OFFLINE": "1"},
    )  # fmt: skip
    (found,) = out.glob(f"{package.replace('-', '_')}-*.whl")
    return found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build("xsell-connect-flexcube", tmp_path_factory.mktemp("dist"))


@pytest.mark.parametrize(
    ("package", "folder"),
    [
        ("xsell-connect-flexcube", "xsell_connect_flexcube/wsdl/"),
        ("xsell-connect-mocks", "xsell_connect_mocks/flexcube/wsdl/"),  # what the mock serves
    ],
)
def test_the_wheel_holds_every_wsdl_and_xsd_as_real_files(
    package: str, folder: str, tmp_path: Path
) -> None:
    with zipfile.ZipFile(_build(package, tmp_path)) as archive:
        packed = {
            name.removeprefix(folder): archive.read(name)
            for name in archive.namelist()
            if name.startswith(folder)
        }
    files = [*CONTRACTS.glob("*.wsdl"), *CONTRACTS.glob("*.xsd")]
    expected = {p.name: p.read_bytes() for p in files}
    assert len(expected) == 8
    assert packed == expected


def test_zeep_loads_the_contracts_from_the_installed_wheel_with_no_network(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run(
        [sys.executable, "-c", _CHECK], env=env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert Path(result["package"]).is_relative_to(site)
    assert result["wsdl_dir"] == str(site / "xsell_connect_flexcube" / "wsdl")
    assert result["operations"] == {
        "FCUBSAccService": ["QueryAccBalIO", "QueryAccSummIO", "QueryCustAccIO"],
        "FCUBSCustomerService": ["ModifyCustomerIO", "QueryCustomerIO"],
        "XSCEngagementService": [
            "CreateAiAuditFS", "CreateOfferFS", "QueryAccClassIO", "QueryCustDirIO",
        ],
        "XSCStatementService": ["QueryAccTxnsIO"],
    }  # fmt: skip
    assert result["party"] == "100000001"
