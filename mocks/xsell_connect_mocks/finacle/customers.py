"""``RetCustInq`` and ``RetCustAcctInq`` bodies for the bank's customers (reference §2.1-2.2).

Project conventions the adapter follows:

- Persons have ``ConstitutionCode`` ``C001`` and ``CustType`` ``RETAIL``; organisations
  ``C004`` and ``CORPORATE``, with the organisation's name in ``Name`` and empty person
  names and birth date (a bank's constitution codes are configurable in the adapter).
- Consents are the do-not-contact flags of ``DemographicDtls`` (``DonotCallFlag`` PHONE,
  ``DonotMailFlag`` POST, ``DonotSendEMailFlag`` EMAIL): ``Y`` means no consent.
- The Next_Best_Action written by ``XSELL_NBA_UPD.scr`` (or ``RetCustMod``) reads back
  as a ``PsychographicDtls/PsychographMiscData`` row with ``Type`` ``NBA``,
  ``StrText10`` the action code, ``DTDt1`` its expiry and ``DBFloat1`` the score.
- ``AcctStatus``: ``A`` active, ``D`` dormant, ``C`` closed (a matured deposit is closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lxml import etree

from xsell_connect_mocks.bank import AccountSpec, AccountState, CustomerSpec, SyntheticBank
from xsell_connect_mocks.bank.specs import Channel
from xsell_connect_mocks.finacle.schemes import acid_of, scheme_of, sol_of
from xsell_connect_mocks.finacle.wire import child, fdate, leaf, leaves

__all__ = ["ACCOUNT_STATUS", "customer_accounts", "customer_details"]

ACCOUNT_STATUS = {
    AccountState.ACTIVE: "A",
    AccountState.DORMANT: "D",
    AccountState.MATURED: "C",
    AccountState.CLOSED: "C",
}
_DO_NOT = {
    Channel.PHONE: "DonotCallFlag",
    Channel.POST: "DonotMailFlag",
    Channel.EMAIL: "DonotSendEMailFlag",
}


def _yn(flag: bool) -> str:
    return "Y" if flag else "N"


def customer_details(
    body: etree._Element, c: CustomerSpec, nba: Mapping[str, Any] | None = None
) -> None:
    """``RetCustInqResponse`` for customer ``c`` (with its NBA row when one was written)."""
    response = child(body, "RetCustInqResponse")
    rs = child(response, "RetCustInqRs")
    d = child(rs, "RetCustDtls")
    person = c.kind == "PERSON"
    name = " ".join(p for p in (c.first_name, c.middle_name, c.last_name) if p)
    leaves(
        d,
        [
            ("CustId", c.number),
            ("Name", name if person else c.organisation_name),
            ("FirstName", c.first_name),
            ("MiddleName", c.middle_name),
            ("LastName", c.last_name),
            ("ShortName", (c.last_name if person else c.organisation_name)[:10].upper()),
            ("Salutation", {"FEMALE": "MS.", "MALE": "MR."}.get(c.gender, "M/S.")),
            ("BirthDt", fdate(c.birth_date)),
            ("RelationshipOpeningDt", fdate(c.customer_since)),
            ("Gender", c.gender[:1]),
            ("Status", "A"),
            ("IsMinor", "N"),
            ("IsNRE", _yn(c.residency != c.country)),
            ("StaffFlag", "N"),
            ("IsSuspended", "N"),
            ("CustType", "RETAIL" if person else "CORPORATE"),
            ("CustTypeCode", "T001" if person else "T004"),
            ("ConstitutionCode", "C001" if person else "C004"),
            ("Occupation", ""),
            ("SegmentationClass", c.segment),
            ("SubSegment", ""),
            ("Region", ""),
            ("PrimarySolId", sol_of(c.branch)),
            ("PrimaryServiceCentre", sol_of(c.branch)),
            ("Manager", c.relationship_manager),
            ("CurrCode", "EUR"),
            ("Language", c.language),
            ("PAN", ""),
            ("PassportNum", ""),
        ],
    )
    for kind, number, email, preferred in (
        ("CELLPH", c.mobile, "", c.preferred_channel in (Channel.SMS, Channel.PHONE)),
        ("COMMEML", "", c.email, c.preferred_channel is Channel.EMAIL),
    ):
        row = child(d, "PhoneEmailInfo")
        leaves(
            row,
            [
                ("PhoneEmailType", kind),
                ("PhoneNum", number),
                ("Email", email),
                ("PhoneOrEmail", "EMAIL" if email else "PHONE"),
                ("PrefFlag", _yn(preferred)),
            ],
        )
    addr = child(d, "RetCustAddrInfo")
    leaves(
        addr,
        [
            ("AddrCategory", "Mailing"),
            ("AddrLine1", c.address_line),
            ("AddrLine2", ""),
            ("AddrLine3", ""),
            ("City", c.city),
            ("StateCode", ""),
            ("CountryCode", c.country),
            ("PostalCode", c.postcode),
            ("PrefAddr", "Y"),
            ("StartDt", fdate(c.customer_since)),
            ("EndDt", "2099-12-31T00:00:00.000"),
        ],
    )
    consent = dict(c.consents)
    demo = child(rs, "DemographicDtls")
    leaves(
        demo,
        [
            ("EmploymentStatus", "OTH" if person else ""),
            ("MaritalStatus", ""),
            ("Nationality", c.nationality),
            ("NameOfEmployer", ""),
        ],
    )
    for channel, tag in _DO_NOT.items():
        leaf(demo, tag, _yn(not consent.get(channel, False)))
    docs = child(rs, "EntityDocDtls")
    leaves(
        docs,
        [
            ("DocCode", "IDCRD" if person else "REGCT"),
            ("IdentificationType", "ID" if person else "COMPANY_REGISTRATION"),
            ("RefNum", ""),
            ("Status", ""),
        ],
    )
    psycho = child(rs, "PsychographicDtls")
    if nba:
        row = child(psycho, "PsychographMiscData")
        leaves(
            row,
            [
                ("Type", "NBA"),
                ("StrText10", nba["code"]),
                ("DTDt1", nba["expiry"]),
                ("DBFloat1", nba["score"]),
            ],
        )
    for tag in ("RelBankDtls", "TradeFinDtls", "RetailBaselDtls"):
        child(rs, tag)
    child(response, "RetCustInq_CustomData")


def _sale(rs: etree._Element, bank: SyntheticBank, c: CustomerSpec, a: AccountSpec) -> None:
    code, kind = scheme_of(bank.product(a.product_code))
    sale = child(rs, "RetSaleDtls")
    leaves(
        sale,
        [
            ("AcctId", acid_of(a.number)),
            ("ProdCatId", ""),
            ("ProductCode", kind),
            ("ProductCategory", code),
            ("AcctBranchCode", sol_of(c.branch)),
            ("ChannelCustId", c.number),
            ("ChannelName", ""),
            ("IsMasterAcct", "N"),
            ("IsMultiCurrAcct", "N"),
            ("IsRevolvingODAcct", _yn(kind == "ODA")),
            ("TopUpFlag", "N"),
            ("SaleCust", c.number),
        ],
    )
    channel = child(sale, "SaleChannelDtls")
    leaves(
        channel,
        [
            ("AcctCurrCode", a.currency),
            ("AcctOpeningDt", fdate(a.opened_on)),
            ("AcctStatus", ACCOUNT_STATUS[a.state]),
            ("AcctCloseDt", fdate(a.closed_on)),
            ("MaturityDt", fdate(a.matures_on)),
            ("ModeOfOperation", "SELF"),
        ],
    )
    child(sale, "ProductDtlsInfo")


def customer_accounts(body: etree._Element, bank: SyntheticBank, c: CustomerSpec) -> None:
    """``RetCustAcctInqResponse``: one ``RetSaleDtls`` per account of customer ``c``."""
    response = child(body, "RetCustAcctInqResponse")
    rs = child(response, "RetCustAcctInqRs")
    leaf(rs, "CustId", c.number)
    for account in bank.accounts_of(c.index):
        _sale(rs, bank, c, account)
    child(response, "RetCustAcctInq_CustomData")
