"""Replies shaped as they appear in the field (reference §1-2), not the mock's."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from _finacle_support import fixture
from xsell_connect_finacle.fixml import read_reply, unwrap_soap
from xsell_connect_finacle.mapping import record, to_ledger_entry, to_party

from xsell_connect.errors import RequestRejectedError
from xsell_connect.models import Channel, ContactKind, CreditDebit, PartyType

FIUSB = ("http://webservice.fiusb.ci.infosys.com", "return")
FIP = ("http://endpoint.fip.infosys.com", "executeServiceReturn")
IST = ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    ("name", "wrapper"), [("ret_cust_inq_fiusb.xml", FIUSB), ("ret_cust_inq_fip.xml", FIP)]
)
def test_escaped_fixml_in_both_soap_wrappers_maps_to_the_same_party(
    name: str, wrapper: tuple[str, str]
) -> None:
    reply = read_reply(unwrap_soap(fixture(name), *wrapper), operation="get_party")
    rs = reply.business("RetCustInqResponse/RetCustInqRs")
    assert rs is not None
    party = to_party(rs)
    assert (party.id, party.type, party.given_name, party.middle_name, party.family_name) == (
        "8011501010000214",
        PartyType.PERSON,
        "PRIYA",
        "R",
        "NAIR",
    )
    assert party.birth_date == date(1987, 4, 12)
    assert (party.segment, party.branch, party.relationship_manager) == ("MASSMKT", "0115", "02795")
    assert party.nationality == "IN"
    # DonotCallFlag is empty (unknown: no consent recorded); DonotSendEMailFlag=Y refuses.
    assert [(c.channel, c.granted) for c in party.consents] == [(Channel.EMAIL, False)]
    assert [(c.kind, c.value, c.preferred) for c in party.contacts] == [
        (ContactKind.MOBILE, "+91(00)9800000000", True)
    ]
    # Unknown elements (IsEBankingEnabled, CustomData LOYALTY_TIER) are ignored, not fatal.
    assert party.extra == {"CustType": "T001", "SubSegment": "STRIVERS"}


def test_the_two_wrappers_give_identical_parties() -> None:
    parties = []
    for name, wrapper in (("ret_cust_inq_fiusb.xml", FIUSB), ("ret_cust_inq_fip.xml", FIP)):
        rs = read_reply(unwrap_soap(fixture(name), *wrapper), operation="x").business(
            "RetCustInqResponse/RetCustInqRs"
        )
        assert rs is not None
        parties.append(to_party(rs))
    assert parties[0] == parties[1]


def test_statement_padding_is_trimmed_and_the_raw_values_kept() -> None:
    reply = read_reply(fixture("statement_padded.xml"), operation="ledger")
    statement = record(
        reply.business("getLastNTransactionsWithPaginationResponse/PaginatedAccountStatement")
    )
    assert statement["hasMoreData"] == "Y"
    rows = statement["transactionDetails"]
    salary, cheque = (to_ledger_entry(r, "1007710010000223", "INR", IST) for r in rows)
    assert salary.id == "1007710010000223:20241025:S531564:6"
    assert salary.source_id == "S531564/6"
    assert (salary.amount, salary.credit_debit, salary.currency) == (
        Decimal("5500.00"),
        CreditDebit.CRDT,
        "INR",
    )
    assert salary.description == "NEFT/SALARY/ACME TECH PVT LTD"
    assert salary.balance_after == Decimal("53750.00")
    assert salary.booked_at == datetime(2024, 10, 25, 18, 48, 32, tzinfo=IST)
    assert salary.extra["txnId"] == "  S531564"
    assert salary.extra["txnSrlNo"] == "   6"
    assert cheque.bank_transaction_code.proprietary == "LI"
    assert cheque.extra["txnCat"] == "LI "
    assert cheque.extra["instrumentId"] == "           98009"
    assert (cheque.credit_debit, cheque.amount) == (CreditDebit.DBIT, Decimal("1250.00"))


def test_a_business_exception_beside_an_empty_block_is_an_error_with_its_codes() -> None:
    with pytest.raises(RequestRejectedError) as caught:
        read_reply(fixture("bal_inq_frozen.xml"), operation="balance_inquiry")
    assert caught.value.vendor_codes == ("GF3",)
    assert caught.value.vendor_errors[0].source == "M104/1"


def test_script_refusal_under_host_success_is_a_failure() -> None:
    from xsell_connect_finacle.writeback import script_outcome

    reply = read_reply(fixture("script_refused.xml"), operation="set_next_best_action")
    assert reply.host_status == "SUCCESS"
    with pytest.raises(RequestRejectedError) as caught:
        script_outcome(reply, "XSELL_NBA_UPD.scr", party_id="8011", not_found_codes=frozenset())
    assert caught.value.vendor_codes == ("XS014",)
    assert "NBA EXPIRY BEFORE TODAY" in str(caught.value)


def test_the_fast_statement_path_equals_the_reader_path() -> None:
    from xsell_connect_finacle._ledger_fast import ledger_entry_from_element
    from xsell_connect_finacle.fixml import Q

    reply = read_reply(fixture("statement_padded.xml"), operation="ledger")
    statement = reply.business(
        "getLastNTransactionsWithPaginationResponse/PaginatedAccountStatement"
    )
    assert statement is not None
    rows = list(statement.iterfind(f"{Q}transactionDetails"))
    fast = [ledger_entry_from_element(r, "1007710010000223", "INR", IST) for r in rows]
    slow = [to_ledger_entry(record(r), "1007710010000223", "INR", IST) for r in rows]
    assert fast == slow
    assert len(fast) == 2


def test_a_broken_row_gets_the_readers_error_with_its_path() -> None:
    from xsell_connect_finacle._ledger_fast import ledger_entry_from_element
    from xsell_connect_finacle.fixml import Q, parse_xml

    from xsell_connect.errors import MappingError

    body = fixture("statement_padded.xml").replace(b"<txnType>C</txnType>", b"<txnType>X</txnType>")
    row = next(parse_xml(body).iter(f"{Q}transactionDetails"))
    with pytest.raises(MappingError) as caught:
        ledger_entry_from_element(row, "1007710010000223", "INR", IST)
    assert caught.value.path == ("transactionSummary", "txnType")
