"""Mambu v2 records → canonical models. Pure functions, no I/O.

Every defect in a record (a missing required field, a wrong type, an unparseable date, an
amount such as ``"abc"``) becomes a ``MappingError`` keeping the raw record and the field
path; a code nobody mapped yet becomes ``UNKNOWN`` with the raw code beside it. Amounts
arrive as ``Decimal`` (the client parses with ``parse_float=Decimal``) and leave trimmed
(``50.010000000`` → ``50.01``). Vendor fields with no canonical slot go into ``extra``,
never personal data.

Balances are signed from the customer's side: a loan's outstanding principal is a
negative booked balance. Business dates are taken in the tenant's time zone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import tzinfo
from decimal import Decimal
from typing import Any

from xsell_connect.mapping import RecordReader, build_model, country_code
from xsell_connect.models import (
    Account,
    AccountHolder,
    Balance,
    BalanceType,
    Channel,
    CreditDebit,
    EntryStatus,
    LedgerEntry,
    ProductFamily,
)

from ._catalog import to_product
from ._codes import Codes, extra_fields, local_day, trim
from ._codes import amount as read_amount
from ._ledger_fast import AccountKind, Slow, ledger_entry_fast
from ._party import to_party
from .settings import MambuConventions

__all__ = ["AccountKind", "to_account", "to_ledger_entry", "to_party", "to_product", "trim"]

PLATFORM = "mambu"
_DEFAULT_CONVENTIONS = MambuConventions()
_CONSENT_CHANNELS = tuple(c for c in Channel if c is not Channel.UNKNOWN)


# -- accounts -----------------------------------------------------------------------------


def to_account(
    raw: Any,
    kind: AccountKind,
    products_by_key: Mapping[str, Mapping[str, Any]],
    party_ids_by_key: Mapping[str, str],
    *,
    platform: str = PLATFORM,
    tz: tzinfo | None = None,
) -> Account:
    """A Mambu deposit or loan account as an ``Account``.

    Args:
        raw: the account as ``GET /deposits`` or ``GET /loans`` returns it.
        kind: ``"deposit"`` or ``"loan"``.
        products_by_key: the catalog by product ``encodedKey`` (``productTypeKey`` → raw).
        party_ids_by_key: client ``encodedKey`` → client ``id``, for the holders.
        platform: the adapter's name.
        tz: the tenant's zone, for opening, maturity and closing dates.
    """
    r = RecordReader(raw, platform=platform)
    product_key = r.req_text("productTypeKey")
    product = products_by_key.get(product_key)
    if product is None:
        raise r.error(f"product {product_key!r} is not in the catalog", "productTypeKey")
    p = RecordReader(product, platform=platform, path=("<product>",))
    holder_key = r.req_text("accountHolderKey")
    if holder_key not in party_ids_by_key:
        raise r.error("account holder is not the client asked for", "accountHolderKey")
    status, status_raw = r.code("accountState", Codes.ACCOUNT_STATUS, required=True)
    currency = r.text("currencyCode") or r.obj("currency").text("code") or _product_currency(p)
    if currency is None:
        raise r.error("required field is missing", "currencyCode")
    if kind == "deposit":
        family, family_raw = r.code("accountType", Codes.DEPOSIT_FAMILY, required=True)
        cash_type = Codes.CASH_ACCOUNT_TYPE(family_raw)
        balances, rate, limit, principal = _deposit_terms(r, currency)
        name = r.text("name")
    else:
        family, cash_type, family_raw = Codes.loan_family(p.text("type"), p.text("category"))
        balances, rate, limit, principal = _loan_terms(r, currency, family)
        name = r.text("loanName") or r.text("name")
    values: dict[str, Any] = {
        "platform": platform,
        "source_id": r.req_text("encodedKey"),
        "id": r.req_text("id"),
        "holders": (AccountHolder(party_id=party_ids_by_key[holder_key]),),
        "product_code": p.req_text("id"),
        "family": family,
        "family_raw": family_raw,
        "cash_account_type": cash_type,
        "name": name,
        "currency": currency,
        "balances": balances,
        "status": status,
        "status_raw": status_raw,
        "opened_on": local_day(r, "activationDate", tz),
        "matures_on": local_day(r, "maturityDate", tz),
        "closed_on": local_day(r, "closedDate", tz),
        "interest_rate": rate,
        "limit": limit,
        "principal": principal,
        "extra": extra_fields(
            raw,
            ("accountSubState", "daysInArrears", "daysLate", "productTypeKey", "accountHolderKey"),
        ),
    }
    return build_model(Account, values, r)


def _product_currency(p: RecordReader) -> str | None:
    listed = p.obj("currencySettings").items("currencies")
    return listed[0].text("code") if listed else p.obj("currency").text("code")


def _deposit_terms(
    r: RecordReader, currency: str
) -> tuple[tuple[Balance, ...], Decimal | None, Decimal | None, Decimal | None]:
    b = r.obj("balances", required=True)
    total = read_amount(b, "totalBalance", required=True)
    assert total is not None
    overdrawn = read_amount(b, "overdraftAmount") or Decimal(0)
    # An overdrawn account may show the debt only in overdraftAmount with totalBalance at 0
    # (inferred; the mock signs totalBalance). Either way booked = what the customer holds.
    booked = total if total < 0 else trim(total - overdrawn)
    balances = [Balance(type=BalanceType.ITBD, amount=booked, currency=currency)]
    available = read_amount(b, "availableBalance")
    if available is not None:
        balances.append(Balance(type=BalanceType.ITAV, amount=available, currency=currency))
    for key in ("lockedBalance", "holdBalance"):
        if amount := read_amount(b, key):
            balances.append(
                Balance(type=BalanceType.INFO, type_raw=key, amount=amount, currency=currency)
            )
    rate = read_amount(r.obj("interestSettings").obj("interestRateSettings"), "interestRate")
    overdraft = r.obj("overdraftSettings")
    limit = read_amount(overdraft, "overdraftLimit") if overdraft.flag("allowOverdraft") else None
    return tuple(balances), rate, limit, None


def _loan_terms(
    r: RecordReader, currency: str, family: ProductFamily
) -> tuple[tuple[Balance, ...], Decimal | None, Decimal | None, Decimal | None]:
    b = r.obj("balances", required=True)
    owed = read_amount(b, "principalBalance", required=True)
    assert owed is not None
    loan_amount = read_amount(r, "loanAmount", required=True)
    assert loan_amount is not None
    balances = [Balance(type=BalanceType.ITBD, amount=trim(-owed), currency=currency)]
    if family is ProductFamily.CARD:  # revolving credit: loanAmount is the credit limit
        available = trim(max(loan_amount - owed, Decimal(0)))
        balances.append(Balance(type=BalanceType.ITAV, amount=available, currency=currency))
    rate = read_amount(r.obj("interestSettings"), "interestRate")
    card = family is ProductFamily.CARD
    return tuple(balances), rate, loan_amount if card else None, None if card else loan_amount


# -- ledger -------------------------------------------------------------------------------


def to_ledger_entry(
    raw: Any,
    kind: AccountKind,
    account_id: str,
    *,
    family: ProductFamily = ProductFamily.UNKNOWN,
    currency: str | None = None,
    platform: str = PLATFORM,
    tz: tzinfo | None = None,
) -> LedgerEntry:
    """A deposit or loan transaction as a ``LedgerEntry``.

    The direction comes from ``type`` (Mambu does not document the sign of ``amount``, so
    the amount is taken as its absolute value); an ``_ADJUSTMENT`` type reverses its base
    type and is flagged ``reversal``. A type no table knows keeps the sign of ``amount``
    as its direction and gets ISO's "not available" code with the type as proprietary.

    Args:
        raw: the transaction as ``:search`` returns it.
        kind: ``"deposit"`` or ``"loan"``.
        account_id: the account's ``id``.
        family: the account's family (mortgages get the ``MGLN`` family of codes).
        currency: the account's currency, when the transaction has no ``currencyCode``.
        platform: the adapter's name.
        tz: the tenant's zone, for booking and value dates.
    """
    if type(raw) is dict:
        try:
            return ledger_entry_fast(raw, kind, account_id, family, currency, platform, tz)
        except Slow:
            pass  # the reader below raises the MappingError, with the record and the path
    return _ledger_entry(raw, kind, account_id, family, currency, platform, tz)


def _ledger_entry(
    raw: Any,
    kind: AccountKind,
    account_id: str,
    family: ProductFamily,
    currency: str | None,
    platform: str,
    tz: tzinfo | None,
) -> LedgerEntry:
    r = RecordReader(raw, platform=platform)
    tx_type = r.req_text("type")
    amount = read_amount(r, "amount", required=True)
    assert amount is not None
    base = tx_type.removesuffix("_ADJUSTMENT")
    adjustment = base != tx_type
    direction = Codes.direction(kind, base, raw.get("affectedAmounts"))
    inferred = direction is None
    if direction is None:
        direction = CreditDebit.DBIT if amount < 0 else CreditDebit.CRDT
    elif adjustment:
        direction = Codes.opposite(direction)
    channel_raw = r.obj("transactionDetails").text("transactionChannelId")
    channel = Codes.channel_id(channel_raw)
    code_direction = Codes.opposite(direction) if adjustment and not inferred else direction
    btc = Codes.transaction_code(tx_type, base, channel, code_direction, family)
    card = r.obj("cardTransaction").obj("cardAcceptor")
    card_fields = r.obj("_card")
    mcc = _mcc(card, "mcc") or _mcc(card_fields, "MCC")
    merchant_country = card.text("country") or card_fields.text("Merchant_Country")
    booked_at = r.timestamp("creationDate", required=True)
    assert booked_at is not None
    value_day = local_day(r, "valueDate", tz, required=True)
    booking_day = (
        local_day(r, "bookingDate", tz) or (booked_at.astimezone(tz) if tz else booked_at).date()
    )
    currency = r.text("currencyCode") or currency
    if currency is None:
        raise r.error("required field is missing", "currencyCode")
    extra = extra_fields(
        raw,
        (
            "externalId",
            "affectedAmounts",
            "originalTransactionKey",
            "adjustmentTransactionKey",
            "parentAccountKey",
        ),
    )
    if inferred:
        extra["direction_from_sign"] = True
    values: dict[str, Any] = {
        "platform": platform,
        "source_id": r.req_text("encodedKey"),
        "id": r.req_text("id"),
        "account_id": account_id,
        "amount": abs(amount),
        "currency": currency,
        "credit_debit": direction,
        "status": EntryStatus.INFO if base in Codes.INFO_TYPES else EntryStatus.BOOK,
        "booking_date": booking_day,
        "value_date": value_day,
        "booked_at": booked_at,
        "bank_transaction_code": btc,
        "description": r.text("notes"),
        "counterparty": card.text("name") or _counterparty(r, direction),
        "merchant_category_code": mcc,
        "merchant_country": country_code(merchant_country),
        "channel": channel,
        "balance_after": _balance_after(r, kind),
        "reversal": adjustment or base in Codes.REVERSAL_TYPES,
        "extra": extra,
    }
    return build_model(LedgerEntry, values, r)


def _mcc(r: RecordReader, key: str) -> str | None:
    """An ISO 18245 merchant category code: four digits (a JSON number loses leading 0s)."""
    raw = r.text(key)
    if raw is None or not raw.strip():
        return None
    if not raw.strip().isdigit() or len(raw.strip()) > 4:
        raise r.error(f"not a merchant category code: {raw!r}", key)
    return raw.strip().zfill(4)


def _counterparty(r: RecordReader, direction: CreditDebit) -> str | None:
    side = "debtor" if direction is CreditDebit.CRDT else "creditor"
    return r.obj("paymentDetails").obj(side).text("name")


def _balance_after(r: RecordReader, kind: AccountKind) -> Decimal | None:
    after = r.obj("accountBalances")
    if kind == "loan":
        owed = read_amount(after, "principalBalance")
        return None if owed is None else trim(-owed)
    return read_amount(after, "totalBalance")
