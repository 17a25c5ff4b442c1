"""The adapter registry: built-ins, entry points, register_adapter(), install hints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from xsell_connect import registry
from xsell_connect.adapter import Capability, CoreBankingAdapter
from xsell_connect.errors import AdapterNotInstalledError, ConfigurationError
from xsell_connect.models import Party


class _TinyAdapter(CoreBankingAdapter):
    platform = "tiny"
    capabilities = frozenset({Capability.GET_PARTY})

    async def get_party(self, party_id: str) -> Party:
        raise NotImplementedError


@pytest.fixture
def tiny() -> Iterator[None]:
    registry.register_adapter("tiny", _TinyAdapter)
    yield
    registry.unregister_adapter("tiny")


ACME = registry.BuiltinAdapter("xsell_connect_acme.adapter:AcmeAdapter", "xsell-connect-acme")


def test_registered_adapter_is_found_first(tiny: None) -> None:
    assert registry.get_adapter_class("tiny") is _TinyAdapter
    info = {i.name: i for i in registry.available_adapters()}["tiny"]
    assert (info.origin, info.installed) == ("registered", True)


def test_registering_twice_needs_replace(tiny: None) -> None:
    with pytest.raises(ConfigurationError, match="already registered"):
        registry.register_adapter("tiny", _TinyAdapter)
    registry.register_adapter("tiny", _TinyAdapter, replace=True)


def test_builtin_mambu_resolves_through_its_entry_point() -> None:
    cls = registry.get_adapter_class("mambu")
    assert cls.platform == "mambu"
    info = {i.name: i for i in registry.available_adapters()}["mambu"]
    assert info.origin == "entry_point"


def test_builtin_that_is_not_installed_names_the_distribution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A built-in whose distribution is absent, as every core but one is at a bank.
    monkeypatch.setitem(registry.BUILTIN_ADAPTERS, "acme", ACME)
    with pytest.raises(AdapterNotInstalledError) as caught:
        registry.get_adapter_class("acme")
    assert "pip install xsell-connect-acme" in str(caught.value)
    info = {i.name: i for i in registry.available_adapters()}["acme"]
    assert (info.installed, info.install_hint) == (False, "pip install xsell-connect-acme")


def test_unknown_adapter_lists_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown adapter 'nope'; known: .*mambu"):
        registry.get_adapter_class("nope")


def test_registering_by_dotted_path_loads_lazily() -> None:
    registry.register_adapter("tiny2", f"{__name__}:_TinyAdapter")
    try:
        assert registry.get_adapter_class("tiny2") is _TinyAdapter
    finally:
        registry.unregister_adapter("tiny2")


def test_dotted_path_to_a_non_adapter_is_a_configuration_error() -> None:
    registry.register_adapter("bogus", "xsell_connect.models:Party")
    try:
        with pytest.raises(ConfigurationError, match="not a CoreBankingAdapter"):
            registry.get_adapter_class("bogus")
    finally:
        registry.unregister_adapter("bogus")


def test_declared_capability_without_implementation_is_refused() -> None:
    with pytest.raises(TypeError, match="declared but not implemented: \\['list_parties'\\]"):

        class _Liar(CoreBankingAdapter):  # pragma: no cover - refused at definition
            platform = "liar"
            capabilities = frozenset({Capability.LIST_PARTIES})


def test_implemented_primitive_without_declaration_is_refused() -> None:
    with pytest.raises(TypeError, match="implemented but not declared: \\['get_party'\\]"):

        class _Shy(CoreBankingAdapter):  # pragma: no cover - refused at definition
            platform = "shy"

            async def get_party(self, party_id: str) -> Party:
                raise NotImplementedError


async def test_undeclared_primitive_raises_capability_not_supported() -> None:
    from xsell_connect.errors import CapabilityNotSupportedError

    with pytest.raises(CapabilityNotSupportedError, match=r"'tiny' does not support list_products"):
        await _TinyAdapter().list_products()


def test_public_api_is_sorted_and_importable() -> None:
    import xsell_connect

    def isort_style(name: str) -> tuple[int, str]:  # ruff RUF022: CONSTANTS, Classes, functions
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert xsell_connect.__all__ == sorted(xsell_connect.__all__, key=isort_style)
    assert all(hasattr(xsell_connect, name) for name in xsell_connect.__all__)
