"""Where adapters come from: built-ins, installed plugins, and tests.

Lookup order for a name: adapters registered at run time with ``register_adapter()``
(tests, notebooks), then the entry-point group ``xsell_connect.adapters`` (any installed
distribution, including outside packages), then the built-in table. Built-ins are lazy
dotted paths, so importing xsell-connect never imports zeep or pika; a built-in whose
distribution is missing raises ``AdapterNotInstalledError`` with the pip command.

An outside package adds an adapter with one line in its ``pyproject.toml``::

    [project.entry-points."xsell_connect.adapters"]
    mycore = "mycore_adapter:MyCoreAdapter"
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, Literal

import httpx

from .adapter import CoreBankingAdapter
from .errors import AdapterNotInstalledError, ConfigurationError

__all__ = [
    "BUILTIN_ADAPTERS",
    "ENTRY_POINT_GROUP",
    "AdapterInfo",
    "BuiltinAdapter",
    "available_adapters",
    "create_adapter",
    "get_adapter_class",
    "register_adapter",
    "unregister_adapter",
]

ENTRY_POINT_GROUP = "xsell_connect.adapters"


@dataclass(frozen=True)
class BuiltinAdapter:
    """A platform shipped as its own distribution, imported only when asked for."""

    target: str  # "module:Class"
    distribution: str


BUILTIN_ADAPTERS: dict[str, BuiltinAdapter] = {
    "mambu": BuiltinAdapter("xsell_connect_mambu.adapter:MambuAdapter", "xsell-connect-mambu"),
    "temenos": BuiltinAdapter(
        "xsell_connect_temenos.adapter:TemenosAdapter", "xsell-connect-temenos"
    ),
    "flexcube": BuiltinAdapter(
        "xsell_connect_flexcube.adapter:FlexcubeAdapter", "xsell-connect-flexcube"
    ),
    "finacle": BuiltinAdapter(
        "xsell_connect_finacle.adapter:FinacleAdapter", "xsell-connect-finacle"
    ),
}

_registered: dict[str, type[CoreBankingAdapter] | str] = {}


@dataclass(frozen=True)
class AdapterInfo:
    name: str
    origin: Literal["registered", "entry_point", "builtin"]
    installed: bool
    target: str
    install_hint: str | None = None


def register_adapter(
    name: str, adapter: type[CoreBankingAdapter] | str, *, replace: bool = False
) -> None:
    """Register an adapter class (or ``"module:Class"`` path) under ``name``."""
    if name in _registered and not replace:
        raise ConfigurationError(f"adapter {name!r} is already registered (pass replace=True)")
    _registered[name] = adapter


def unregister_adapter(name: str) -> None:
    _registered.pop(name, None)


def _load(target: str) -> type[CoreBankingAdapter]:
    module_name, _, attr = target.partition(":")
    cls = getattr(importlib.import_module(module_name), attr)
    if not (isinstance(cls, type) and issubclass(cls, CoreBankingAdapter)):
        raise ConfigurationError(f"{target} is not a CoreBankingAdapter subclass")
    return cls


def _entry_points() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def get_adapter_class(name: str) -> type[CoreBankingAdapter]:
    """The adapter class for ``name``; see the module docstring for the lookup order."""
    if name in _registered:
        found = _registered[name]
        return _load(found) if isinstance(found, str) else found
    plugins = _entry_points()
    if name in plugins:
        return _load(plugins[name])
    builtin = BUILTIN_ADAPTERS.get(name)
    if builtin is None:
        known = sorted({*_registered, *plugins, *BUILTIN_ADAPTERS})
        raise ConfigurationError(f"unknown adapter {name!r}; known: {', '.join(known)}")
    try:
        return _load(builtin.target)
    except ModuleNotFoundError as exc:
        raise AdapterNotInstalledError(name, builtin.distribution) from exc


def available_adapters() -> list[AdapterInfo]:
    """Every adapter name this installation knows of, installed or not, sorted by name."""
    plugins = _entry_points()
    infos: dict[str, AdapterInfo] = {}
    for name, builtin in BUILTIN_ADAPTERS.items():
        installed = importlib.util.find_spec(builtin.target.partition(".")[0]) is not None
        hint = None if installed else f"pip install {builtin.distribution}"
        infos[name] = AdapterInfo(name, "builtin", installed, builtin.target, hint)
    for name, target in plugins.items():
        infos[name] = AdapterInfo(name, "entry_point", True, target)
    for name, found in _registered.items():
        target = found if isinstance(found, str) else f"{found.__module__}:{found.__qualname__}"
        infos[name] = AdapterInfo(name, "registered", True, target)
    return [infos[name] for name in sorted(infos)]


def create_adapter(
    name: str,
    settings: Any = None,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> CoreBankingAdapter:
    """Build the named adapter from ``settings`` (its environment variables when None)."""
    return get_adapter_class(name).from_settings(settings, transport=transport)
