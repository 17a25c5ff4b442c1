"""The deterministic synthetic bank every mock core renders (DESIGN §5)."""

from xsell_connect_mocks.bank.generator import SyntheticBank
from xsell_connect_mocks.bank.specs import (
    AccountSpec,
    AccountState,
    BankConfig,
    Channel,
    CustomerSpec,
    Family,
    Persona,
    PostingKind,
    PostingSpec,
    ProductSpec,
)

__all__ = [
    "AccountSpec",
    "AccountState",
    "BankConfig",
    "Channel",
    "CustomerSpec",
    "Family",
    "Persona",
    "PostingKind",
    "PostingSpec",
    "ProductSpec",
    "SyntheticBank",
]
