"""Settings refuse what would weaken transport security, with a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from xsell_connect_finacle import FinacleSettings

from xsell_connect.errors import ConfigurationError


def test_https_without_a_ca_bundle_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="ca_bundle"):
        FinacleSettings.build({"base_url": "https://esb.bank.example:45000"})


def test_plain_http_to_a_remote_host_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="loopback"):
        FinacleSettings.build({"base_url": "http://esb.bank.example:45000"})


def test_https_with_a_ca_file_is_accepted(tmp_path: Path) -> None:
    ca = tmp_path / "bank-ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    built = FinacleSettings.build(
        {"base_url": "https://esb.bank.example:45000", "ca_bundle": str(ca), "transport": "fip"}
    )
    assert built.wire.path == "/fip/services/FIPWebService"
    assert built.wire.soap_result == "executeServiceReturn"


def test_the_scheme_table_is_read_from_a_file(tmp_path: Path) -> None:
    table = tmp_path / "schemes.json"
    table.write_text(
        '[{"SchmCode": "SBGEN", "SchmType": "SBA", "ProductCode": "SB_GENERAL",'
        ' "Family": "SAVINGS", "Currencies": ["INR"], "MinAge": ""}]'
    )
    built = FinacleSettings.build(
        {"base_url": "http://127.0.0.1:1", "scheme_table_path": str(table)}
    )
    (scheme,) = built.schemes()
    assert (scheme.schm_code, scheme.product_code, scheme.min_age) == ("SBGEN", "SB_GENERAL", None)
