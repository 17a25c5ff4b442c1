"""The conformance suite, one line per class (DESIGN §4)."""

from xsell_connect.testing import suite


class TestPartyRead(suite.PartyReadTests): ...


class TestPartyList(suite.PartyListTests): ...


class TestAccountRead(suite.AccountReadTests): ...


class TestLedgerRead(suite.LedgerReadTests): ...


class TestProductRead(suite.ProductReadTests): ...


class TestEventParsing(suite.EventParsingTests): ...


class TestMessageParsing(suite.MessageParsingTests): ...


class TestWriteBack(suite.WriteBackTests): ...
