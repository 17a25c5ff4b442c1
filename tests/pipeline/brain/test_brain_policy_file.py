"""An invalid policy file stops start-up with the exact field and reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from _brain_support import catalog_products

from xsell_connect.errors import ConfigurationError
from xsell_connect.pipeline.engine import DecisionEngine
from xsell_connect.pipeline.templates import TemplateSet
from xsell_connect.pipeline.types import Tier
from xsell_connect.policy import Policy, PolicyError

CASES = [
    ('version = "1"\ndefault_tier = "autopilot"\n', "default_tier", "Input should be"),
    ('version = "1"\n[contact_limits.EMAIL]\nmax = -1\ndays = 30\n', "contact_limits.EMAIL.max",
     "greater than or equal to 0"),
    ('version = "1"\n[contact_limits.PIGEON]\nmax = 1\ndays = 30\n', "contact_limits.PIGEON",
     "Input should be"),
    ('version = "1"\n[approval]\nrecall_window_hours = "soon"\n', "approval.recall_window_hours",
     "valid integer"),
    ('version = "1"\n[holdout]\nshare = "1.5"\n', "holdout.share", "less than or equal to 1"),
    ('version = "1"\n[fairness]\nmin_ratio = "0"\n', "fairness.min_ratio", "greater than 0"),
    ('version = "1"\n[[channels.forced]]\nproduct = "X"\nchannel = "FAX"\n',
     "channels.forced[0].channel", "Input should be"),
    ('version = "1"\n[suppression]\ndecline_dayz = 5\n', "suppression.decline_dayz",
     "Extra inputs are not permitted"),
    ("kill_switch = false\n", "version", "Field required"),
    ('version = "1"\n[levers]\nCARD = "-1"\n', "", "levers.CARD must not be negative"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "field", "reason"), CASES, ids=[c[1] or c[2] for c in CASES])
def test_invalid_policy_names_the_field_and_reason(
    tmp_path: Path, text: str, field: str, reason: str
) -> None:
    path = tmp_path / "policy.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as caught:
        Policy.load(path)
    assert caught.value.field == field
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"policy.toml: {field}")


def test_a_toml_syntax_error_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text("version = \n")
    with pytest.raises(PolicyError, match="not valid TOML"):
        Policy.load(path)


def test_a_missing_policy_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="cannot read"):
        Policy.load(tmp_path / "absent.toml")


def test_the_engine_refuses_to_start_on_an_invalid_policy(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('version = "1"\n[breakers]\nmax_error_rate = "2"\n')
    with pytest.raises(PolicyError) as caught:
        DecisionEngine.from_config(
            catalog_products(), platform="mambu", pseudonym_key=b"k", policy_path=path
        )
    assert caught.value.field == "breakers.max_error_rate"


def test_a_valid_policy_loads_with_defaults_for_missing_sections(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('version = "bank-7"\n[tiers]\nsalary_credit = "guarded"\n')
    pol = Policy.load(path)
    assert pol.tier_of("salary_credit") is Tier.GUARDED
    assert pol.tier_of("loan_repaid") is Tier.OBSERVE
    assert pol.suppression.decline_days == 90


def test_an_invalid_template_placeholder_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "templates.toml"
    path.write_text(
        '[[template]]\nid = "t"\nversion = "1"\nproducts = ["SAVINGS"]\n'
        'subject = "Hello {given_name}"\nbody = "b"\napproved = true\n'
    )
    with pytest.raises(PolicyError) as caught:
        TemplateSet.load(path)
    assert caught.value.field == "template[0].subject"
    assert "unknown placeholder {given_name}" in caught.value.reason
