"""Settings from a TOML file and XSELL_* variables, validated with errors that name the setting."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from listener_helpers import SECRET

from xsell_connect.cli import main
from xsell_connect.errors import ConfigurationError
from xsell_connect.listener.settings import Verification, load_settings

TOML = f"""
store_url = "sqlite:///bank.db"

[http]
port = 9000

[[sources]]
name = "bank"
secrets = ["{SECRET}"]

[[sources]]
name = "mambu"
format = "mambu"
verification = "shared-secret"

[amqp]
url = "amqp://guest:guest@127.0.0.1:5672/%2F"
source = "mambu"
"""


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XSELL_SOURCE_MAMBU_SECRETS", "first-secret second-secret")
    path = tmp_path / "bank.toml"
    path.write_text(TOML)
    return path


def test_the_file_is_read(config: Path) -> None:
    settings = load_settings(config)
    assert settings.http.port == 9000
    assert [s.name for s in settings.sources] == ["bank", "mambu"]
    assert settings.sources[0].verification is Verification.STANDARD_WEBHOOKS


def test_variables_override_the_file(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XSELL_HTTP__PORT", "9100")
    monkeypatch.setenv("XSELL_AMQP__PREFETCH", "50")
    settings = load_settings(config)
    assert settings.http.port == 9100
    assert settings.amqp is not None
    assert settings.amqp.prefetch == 50


def test_source_secrets_come_from_their_variable_and_stay_secret(config: Path) -> None:
    mambu = load_settings(config).sources[1]
    assert [s.get_secret_value() for s in mambu.secrets] == ["first-secret", "second-secret"]
    assert "first-secret" not in repr(mambu)
    assert "guest:guest" not in repr(load_settings(config).amqp)


def test_an_error_names_the_setting(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XSELL_HTTP__PORT", "seventy")
    with pytest.raises(ConfigurationError, match=r"http\.port"):
        load_settings(config)


def test_a_standard_webhooks_secret_must_be_whsec(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[sources]]\nname = "bank"\nsecrets = ["plain-text-secret"]\n')
    with pytest.raises(ConfigurationError, match=r"sources\.0.*whsec_") as caught:
        load_settings(path)
    assert "plain-text-secret" not in str(caught.value)


def test_verification_none_needs_an_allow_list(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[[sources]]\nname = "bank"\nverification = "none"\n')
    with pytest.raises(ConfigurationError, match="needs allow_ips"):
        load_settings(path)


def test_the_amqp_source_must_exist(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[amqp]\nurl = "amqp://127.0.0.1"\nsource = "nobody"\n')
    with pytest.raises(ConfigurationError, match=r"amqp\.source .nobody."):
        load_settings(path)


def test_an_unknown_setting_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[http]\nprot = 1\n")
    with pytest.raises(ConfigurationError, match=r"http\.prot"):
        load_settings(path)


def test_a_missing_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="does not exist"):
        load_settings(tmp_path / "nowhere.toml")


def test_listen_reports_a_bad_config_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[http]\nport = -1\n")
    result = CliRunner().invoke(main, ["listen", "--config", str(path)])
    assert result.exit_code == 1
    assert "http.port" in result.output
    from xsell_connect.http import transport

    assert transport._preferred == "httpx"  # a refused start leaves the process's HTTP alone


def test_the_example_config_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "bank.toml"
    monkeypatch.setenv("XSELL_SOURCE_CORE_SECRETS", SECRET)
    monkeypatch.setenv("XSELL_SOURCE_MAMBU_SECRETS", "a-long-random-shared-secret")
    monkeypatch.setenv("XSELL_PIPELINE__PSEUDONYM_KEY", "a-long-random-pseudonym-key")
    settings = load_settings(example)
    assert [s.name for s in settings.sources] == ["core", "mambu"]
    assert settings.pipeline.platform == "mambu"
    assert settings.pipeline.pseudonym_key is not None
    assert settings.pipeline.pseudonym_key.get_secret_value() == "a-long-random-pseudonym-key"


def test_the_pipeline_needs_its_pseudonym_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pipeline.toml"
    path.write_text('[pipeline]\nplatform = "mambu"\n')
    monkeypatch.delenv("XSELL_PSEUDONYM_KEY", raising=False)
    with pytest.raises(ConfigurationError, match=r"pipeline: .*pseudonym_key"):
        load_settings(path)
    monkeypatch.setenv("XSELL_PSEUDONYM_KEY", "the-batch-command-key")
    settings = load_settings(path)
    assert settings.pipeline.pseudonym_key is not None
    assert settings.pipeline.pseudonym_key.get_secret_value() == "the-batch-command-key"
    assert "the-batch-command-key" not in repr(settings)


def test_the_pipeline_and_a_sink_exclude_each_other(tmp_path: Path) -> None:
    path = tmp_path / "both.toml"
    path.write_text('[pipeline]\nplatform = "mambu"\npseudonym_key = "k"\nsink = "m:f"\n')
    with pytest.raises(ConfigurationError, match="either platform"):
        load_settings(path)


def test_the_core_and_its_cli_load_without_the_listener_libraries() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, xsell_connect, xsell_connect.cli; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'pika', 'prometheus_client') "
        "if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.strip() == "[]"
