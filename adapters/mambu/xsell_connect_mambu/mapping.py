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
from datetime import date, datetime, tzinfo
from decimal import Decimal
from typing import Any, Literal

import pydantic

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
from ._codes import Codes, extra_fields, jsonable, local_day, trim
from ._codes import amount as read_amount
from ._party import to_party
from .settings import MambuConventions

__all__ = ["AccountKind", "to_account", "to_ledger_entry", "to_party", "to_product", "trim"]

PLATFORM = "mambu"
AccountKind = Literal["deposit", "loan"]
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
            return _ledger_entry_fast(raw, kind, account_id, family, currency, platform, tz)
        except (_Slow, pydantic.ValidationError):
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
    direction = Codes.direction(kind, base)
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


class _Slow(Exception):
    """The record is off the happy path: map it again with ``RecordReader`` for the error."""


_SLOW = _Slow()
_LEDGER_EXTRA = (
    "externalId",
    "affectedAmounts",
    "originalTransactionKey",
    "adjustmentTransactionKey",
    "parentAccountKey",
)


def _ledger_entry_fast(
    raw: dict[str, Any],
    kind: AccountKind,
    account_id: str,
    family: ProductFamily,
    currency: str | None,
    platform: str,
    tz: tzinfo | None,
) -> LedgerEntry:
    """``_ledger_entry`` for a well-formed record, reading the dict directly (hot path).

    It accepts exactly what ``_ledger_entry`` accepts and yields the same entry; anything
    else (a wrong type, a blank required field, a bad date, a failed validation) raises
    ``_Slow`` or pydantic's error, and the caller maps the record again with
    ``RecordReader`` for the precise ``MappingError``. The entry is still validated by
    ``LedgerEntry.model_validate``. Keep the two functions in step.
    """
    get = raw.get
    tx_type = get("type")
    amount = get("amount")
    if type(tx_type) is not str or not tx_type.strip():
        raise _SLOW
    if type(amount) is Decimal:
        if not amount.is_finite():
            raise _SLOW
    elif type(amount) is int:
        amount = Decimal(amount)
    else:
        raise _SLOW
    amount = trim(amount)
    base = tx_type.removesuffix("_ADJUSTMENT")
    adjustment = base != tx_type
    direction = Codes.direction(kind, base)
    inferred = direction is None
    if direction is None:
        direction = CreditDebit.DBIT if amount < 0 else CreditDebit.CRDT
    elif adjustment:
        direction = Codes.opposite(direction)
    channel = Codes.channel_id(_text(_sub(get("transactionDetails")), "transactionChannelId"))
    code_direction = Codes.opposite(direction) if adjustment and not inferred else direction
    btc = Codes.transaction_code(tx_type, base, channel, code_direction, family)
    card = _sub(_sub(get("cardTransaction")).get("cardAcceptor"))
    card_fields = _sub(get("_card"))
    mcc = _fast_mcc(card.get("mcc")) or _fast_mcc(card_fields.get("MCC"))
    merchant_country = _text(card, "country") or _text(card_fields, "Merchant_Country")
    created = get("creationDate")
    booked_at = _stamp(created)
    booked_day = _day(booked_at, tz)
    valued = get("valueDate")
    value_day = booked_day if valued == created else _day(_stamp(valued), tz)
    booked = get("bookingDate")
    if booked == created:
        booking_day = booked_day
    elif booked is None or booked == "":  # as _ledger_entry: ``if tz``, not ``is not None``
        booking_day = booked_day if tz is None or tz else booked_at.date()
    else:
        booking_day = _day(_stamp(booked), tz)
    currency = _text(raw, "currencyCode") or currency
    source_id, ident = get("encodedKey"), get("id")
    if currency is None or type(source_id) is not str or type(ident) is not str:
        raise _SLOW
    if not source_id.strip() or not ident.strip():
        raise _SLOW
    extra: dict[str, Any] = {}
    for key in _LEDGER_EXTRA:
        value = get(key)
        if value is not None:
            extra[key] = value if type(value) is str else jsonable(value)
    if inferred:
        extra["direction_from_sign"] = True
    balances = _sub(get("accountBalances"))
    if kind == "loan":
        owed = _number(balances.get("principalBalance"))
        balance_after = None if owed is None else trim(-owed)
    else:
        balance_after = _number(balances.get("totalBalance"))
    values: dict[str, Any] = {
        "platform": platform,
        "source_id": source_id,
        "id": ident,
        "account_id": account_id,
        "amount": abs(amount),
        "currency": currency,
        "credit_debit": direction,
        "status": EntryStatus.INFO if base in Codes.INFO_TYPES else EntryStatus.BOOK,
        "booking_date": booking_day,
        "value_date": value_day,
        "booked_at": booked_at,
        "bank_transaction_code": btc,
        "description": _text(raw, "notes"),
        "counterparty": _text(card, "name") or _fast_counterparty(get("paymentDetails"), direction),
        "merchant_category_code": mcc,
        "merchant_country": country_code(merchant_country),
        "channel": channel,
        "balance_after": balance_after,
        "reversal": adjustment or base in Codes.REVERSAL_TYPES,
        "extra": extra,
    }
    entry: LedgerEntry = _validate_entry(values)
    return entry


_validate_entry = LedgerEntry.__pydantic_validator__.validate_python  # model_validate, less a hop
_EMPTY: dict[str, Any] = {}


def _sub(value: Any) -> dict[str, Any]:
    """A nested object, ``{}`` when absent (what ``RecordReader.obj`` reads)."""
    if value is None:
        return _EMPTY
    if type(value) is not dict:
        raise _SLOW
    return value


def _text(record: dict[str, Any], key: str) -> str | None:
    """An optional string, as ``RecordReader.text`` reads it."""
    value = record.get(key)
    if value is None or type(value) is str:
        return value
    raise _SLOW


def _number(value: Any) -> Decimal | None:
    """An optional amount, as ``amount()`` reads it (trimmed)."""
    if value is None or value == "":
        return None
    if type(value) is Decimal:
        if not value.is_finite():
            raise _SLOW
        return trim(value)
    if type(value) is int:
        return trim(Decimal(value))
    raise _SLOW


def _stamp(value: Any) -> datetime:
    """A required date-time with an offset, as ``RecordReader.timestamp`` reads it."""
    if type(value) is not str:
        raise _SLOW
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError:
        raise _SLOW from None
    if stamp.tzinfo is None:
        raise _SLOW
    return stamp


def _day(stamp: datetime, tz: tzinfo | None) -> date:
    return (stamp.astimezone(tz) if tz is not None else stamp).date()


def _fast_mcc(value: Any) -> str | None:
    """``_mcc`` for a string or an absent code."""
    if value is None:
        return None
    if type(value) is not str:
        raise _SLOW
    text = value.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) > 4:
        raise _SLOW
    return text.zfill(4)


def _fast_counterparty(details: Any, direction: CreditDebit) -> str | None:
    side = _sub(_sub(details).get("debtor" if direction is CreditDebit.CRDT else "creditor"))
    return _text(side, "name")


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
