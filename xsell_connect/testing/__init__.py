"""Testing tools shipped with xsell-connect: the conformance suite, harness and recording.

Importing this package needs the ``testing`` extra (pytest, pytest-asyncio, vcrpy).
"""

from .harness import BankFacts, ConformanceHarness, WriteKind

__all__ = ["BankFacts", "ConformanceHarness", "WriteKind"]
