"""The bank-built scripts behind ``executeFinacleScript`` (project convention, reference §4).

Every script answers in ``executeFinacleScript_CustomData`` with ``SuccessOrFailure``
(``Y``/``N``), ``Error_Code``, ``Error_Msg`` and ``RecordId``; a refusal is reported
there while ``HostTransaction/Status`` stays ``SUCCESS``, as real bank scripts do.

========================  ==============================================================
``XSELL_NBA_UPD.scr``     ``CustId, NextBestAction, NbaScore, NbaExpiry, AuditId``: sets
                          the customer's NBA (an upsert: a retry changes nothing more).
``XSELL_OFFER_ADD.scr``   ``CustId, OfferId, NbaCode, ProductCode, ValidTo, Channel,
                          AuditId``: one offer per ``OfferId``; a retry answers the
                          first ``RecordId`` (``XOF`` + 7 digits) and writes nothing.
``XSELL_AUDIT_ADD.scr``   the audit fields: one AI_Interaction_Audit row per ``AuditId``;
                          ``RecordId`` is ``XAU`` + 7 digits.
``XSELL_CUST_LIST.scr``   ``PageNo`` (from 1), ``PageSize``: the customer ids of that page
                          in creation order as repeated ``CustId``, plus ``hasMoreData``
                          and ``TotalCount`` (Finacle has no public customer listing).
========================  ==============================================================

Error codes: ``55007`` Invalid CIFID (the customer does not exist), ``XS001`` a
mandatory parameter is missing or invalid.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from xsell_connect_mocks.bank import SyntheticBank
from xsell_connect_mocks.framework import MockStore

__all__ = ["SCRIPTS", "ScriptResult", "run_script"]

Params = Mapping[str, str]


@dataclass
class ScriptResult:
    """What a script answers, and what it wrote (``"kind:id"``) for the journal."""

    ok: bool
    outputs: list[tuple[str, str]] = field(default_factory=list)
    created: tuple[str, ...] = ()
    changed: bool = False
    key: str = ""

    @classmethod
    def refused(cls, code: str, message: str) -> ScriptResult:
        return cls(
            False,
            [
                ("SuccessOrFailure", "N"),
                ("Error_Code", code),
                ("Error_Msg", message),
                ("RecordId", ""),
            ],
        )

    @classmethod
    def done(cls, record_id: str, **kw: object) -> ScriptResult:
        outputs = [
            ("SuccessOrFailure", "Y"),
            ("Error_Code", ""),
            ("Error_Msg", ""),
            ("RecordId", record_id),
        ]
        return cls(True, outputs, **kw)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ScriptContext:
    bank: SyntheticBank
    store: MockStore


def _missing(params: Params, names: tuple[str, ...]) -> ScriptResult | None:
    absent = [n for n in names if not params.get(n, "").strip()]
    if absent:
        return ScriptResult.refused("XS001", f"Mandatory parameter missing: {absent[0]}")
    return None


def _no_customer(ctx: ScriptContext, params: Params) -> ScriptResult | None:
    if ctx.bank.customer_by_number(params.get("CustId", "").strip()) is None:
        return ScriptResult.refused("55007", "Invalid CIFID")
    return None


def _nba(ctx: ScriptContext, params: Params) -> ScriptResult:
    refused = _missing(params, ("CustId", "NextBestAction")) or _no_customer(ctx, params)
    if refused:
        return refused
    try:
        score = Decimal(params.get("NbaScore") or "0")
    except InvalidOperation:
        return ScriptResult.refused("XS001", "Mandatory parameter missing: NbaScore")
    cust = params["CustId"].strip()
    expiry = params.get("NbaExpiry", "")
    ctx.store.put(
        "nba",
        cust,
        {
            "code": params["NextBestAction"],
            "score": str(score),
            "expiry": f"{expiry}T00:00:00.000" if expiry else "",
            "audit_id": params.get("AuditId", ""),
        },
    )
    return ScriptResult.done(f"NBA{cust}", changed=True, key=params.get("AuditId", ""))


def _keyed_add(kind: str, prefix: str, key_field: str, required: tuple[str, ...]) -> _Script:
    def run(ctx: ScriptContext, params: Params) -> ScriptResult:
        refused = _missing(params, (key_field, *required)) or _no_customer(ctx, params)
        if refused:
            return refused
        key = params[key_field].strip()
        with ctx.store.lock:
            existing = ctx.store.get(kind, key)
            if existing is not None:
                return ScriptResult.done(existing["record_id"], key=key)
            record_id = f"{prefix}{ctx.store.next_id(kind):07d}"
            ctx.store.put(kind, key, {**params, "record_id": record_id})
        return ScriptResult.done(record_id, created=(f"{kind}:{record_id}",), changed=True, key=key)

    return run


def _customer_list(ctx: ScriptContext, params: Params) -> ScriptResult:
    try:
        page_no, size = int(params.get("PageNo", "1")), int(params.get("PageSize", "50"))
    except ValueError:
        return ScriptResult.refused("XS001", "Mandatory parameter missing: PageNo")
    if page_no < 1 or not 1 <= size <= 500:
        return ScriptResult.refused("XS001", "Mandatory parameter missing: PageSize")
    total = ctx.bank.config.customers
    start = (page_no - 1) * size
    result = ScriptResult.done("")
    result.outputs += [
        ("hasMoreData", "Y" if start + size < total else "N"),
        ("TotalCount", str(total)),
    ]
    result.outputs += [("CustId", c.number) for c in ctx.bank.customers(start, start + size)]
    return result


_Script = Callable[[ScriptContext, Params], ScriptResult]
AUDIT_FIELDS = (
    "AuditId",
    "CustId",
    "NbaCode",
    "OfferId",
    "Score",
    "ModelVersion",
    "ReasonCodes",
    "Channel",
    "DecidedAt",
    "ExpiresAt",
    "Outcome",
    "CorrelationId",
)

SCRIPTS: dict[str, _Script] = {
    "XSELL_NBA_UPD.scr": _nba,
    "XSELL_OFFER_ADD.scr": _keyed_add("offer", "XOF", "OfferId", ("CustId", "ProductCode")),
    "XSELL_AUDIT_ADD.scr": _keyed_add("audit", "XAU", "AuditId", ("CustId", "NbaCode")),
    "XSELL_CUST_LIST.scr": _customer_list,
}


def run_script(ctx: ScriptContext, request_id: str, params: Params) -> ScriptResult | None:
    """Run a script; None when the bank has no script of that name."""
    script = SCRIPTS.get(request_id.strip())
    return None if script is None else script(ctx, params)
