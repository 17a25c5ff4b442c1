"""`FinacleMock`: the Finacle Integrator mock core (see the package docstring)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from lxml import etree
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send

from xsell_connect_mocks.bank import AccountSpec, SyntheticBank
from xsell_connect_mocks.finacle import accounts, customers, details
from xsell_connect_mocks.finacle.envelope import (
    ErrorDetail,
    SoapVariant,
    failure,
    success,
    unwrap_soap,
    wrap_soap,
)
from xsell_connect_mocks.finacle.events import replay_alerts
from xsell_connect_mocks.finacle.schemes import number_of, scheme_of, scheme_table
from xsell_connect_mocks.finacle.scripts import ScriptContext, run_script
from xsell_connect_mocks.finacle.wire import (
    NS,
    RequestKey,
    WireError,
    child,
    leaf,
    parse,
    text_of,
    validate,
)
from xsell_connect_mocks.framework import FaultInjector, FaultRule, MockCore

__all__ = ["FIHTTP_PATH", "SOAP_PATHS", "FinacleMock"]

FIHTTP_PATH = "/FISERVLET/fihttp"
#: Where the mock serves the SOAP wrappers (the real paths come from each bank's WSDL).
SOAP_PATHS: dict[SoapVariant, str] = {
    "fiusb": "/fiusb/services/FIUSBWebService",
    "fip": "/fip/services/FIPWebService",
}
_SERVICE = re.compile(rb"ServiceRequestId(?:>|&gt;)\s*([A-Za-z0-9_]+)")
_SCRIPT = re.compile(rb"requestId(?:>|&gt;)\s*([A-Za-z0-9_.]+)")
_Q = f"{{{NS}}}"
_REAL_PATH = "xsell_connect.finacle.path"
_CIF_MISSING = ErrorDetail("55007", "Invalid CIFID", "", "BE")
_ACCT_MISSING = ErrorDetail("E0011", "Invalid Account Id", "", "BE")
_WRONG_TYPE = ErrorDetail("E0012", "Account is not of the scheme type of the inquiry", "", "BE")


class FinacleMock(MockCore):
    """A Finacle Integrator serving the synthetic bank over FIXML.

    Args:
        bank: The synthetic bank.
        faults: Fault rules armed from the start (matched on the HTTP path).
        fault_seed: Seed of both fault injectors.
        bank_id: ``BankId`` put in every reply.

    Attributes:
        service_faults: A second fault injector matched on the *service* instead of the
            path: its routes are ``/<ServiceRequestId>`` or, for scripts,
            ``/executeFinacleScript/<requestId>`` (all services share one HTTP path).
        host_ids: Counter of ``HostTransaction/Id`` values.
    """

    platform: ClassVar[str] = "finacle"

    def __init__(
        self,
        bank: SyntheticBank,
        *,
        faults: Sequence[FaultRule] = (),
        fault_seed: int = 0,
        bank_id: str = "01",
    ) -> None:
        super().__init__(bank, faults=faults, fault_seed=fault_seed)
        self.bank_id = bank_id
        self.zone = ZoneInfo(bank.config.timezone)
        self.service_faults = FaultInjector(
            self._restored_app, seed=fault_seed, vendor_error=self.vendor_error
        )
        self._handlers: dict[str, Callable[[etree._Element], Callable[[etree._Element], None]]]
        self._handlers = {
            "RetCustInq": self._cust_inq,
            "RetCustAcctInq": self._cust_accounts,
            "BalInq": self._bal_inq,
            "getLastNTransactionsWithPagination": self._last_n,
            "RetCustMod": self._cust_mod,
            **{service: partial(self._detail_inq, service) for service in details.DETAIL_TYPES},
        }

    # -- routes ---------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        return [
            Route(FIHTTP_PATH, self._fihttp, methods=["POST"]),
            *(
                Route(path, self._soap(variant), methods=["POST"])
                for variant, path in SOAP_PATHS.items()
            ),
        ]

    def control_routes(self) -> list[BaseRoute]:
        return [
            *super().control_routes(),
            Route("/_mock/finacle/schemes", self._schemes, methods=["GET"]),
            Route("/_mock/finacle/alerts/replay", self._replay, methods=["POST"]),
        ]

    async def _replay(self, request: Request) -> Response:
        """Alerts to replay: ``since``, ``until`` (ISO; naive = bank zone), ``duplicates``,
        ``shuffle``, ``seed``; a bad request is a 400 with the reason."""
        try:
            body: Any = await request.json() if await request.body() else {}
            since, until = (self._moment(body[key]) for key in ("since", "until"))
            alerts = replay_alerts(
                self.bank,
                since,
                until,
                duplicates=float(body.get("duplicates", 0.0)),
                shuffle=bool(body.get("shuffle", False)),
                seed=int(body.get("seed", 0)),
            )
        except (ValueError, TypeError, KeyError) as exc:
            return JSONResponse({"error": f"bad replay request: {exc}"}, status_code=400)
        return JSONResponse(alerts)

    def _moment(self, text: str) -> datetime:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=self.zone)

    async def _schemes(self, request: Request) -> Response:
        return JSONResponse(scheme_table(self.bank))

    async def _vendor_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route vendor traffic through `service_faults` on a virtual, per-service path."""
        if scope["type"] != "http" or scope["path"].startswith("/_mock/"):
            await self.starlette(scope, receive, send)
            return
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = b"".join(chunks)
        service = _SERVICE.search(body)
        virtual = "/" + (service.group(1).decode() if service else "-")
        if virtual == "/executeFinacleScript" and (script := _SCRIPT.search(body)):
            virtual += "/" + script.group(1).decode()
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        virtual_scope = {**scope, "path": virtual, _REAL_PATH: scope["path"]}
        await self.service_faults(virtual_scope, replay, send)

    async def _restored_app(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.starlette({**scope, "path": scope[_REAL_PATH]}, receive, send)

    async def _fihttp(self, request: Request) -> Response:
        reply = self.handle(await request.body(), request)
        return Response(reply, media_type="application/xml")

    def _soap(self, variant: SoapVariant) -> Callable[[Request], object]:
        async def endpoint(request: Request) -> Response:
            try:
                fixml = unwrap_soap(await request.body(), variant)
            except WireError as exc:
                return Response(self._system_error(None, str(exc)), media_type="text/xml")
            return Response(wrap_soap(self.handle(fixml, request), variant), media_type="text/xml")

        return endpoint

    def vendor_error(self, rule: FaultRule) -> tuple[int, dict[str, str], bytes]:
        body = self._system_error(None, f"injected fault: {rule.kind.value}")
        return 200, {"content-type": "application/xml"}, body

    # -- dispatch -------------------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.now(self.zone)

    def _system_error(self, key: RequestKey | None, message: str) -> bytes:
        key = key or RequestKey("", "", "", "")
        detail = ErrorDetail("SYS", message[:200], "", "SOS")
        return failure(key, [detail], system=True, bank_id=self.bank_id, now=self._now())

    def handle(self, body: bytes, request: Request | None = None) -> bytes:
        """One FIXML request in, one FIXML reply out (always a reply, never an HTTP error)."""
        state = request.state if request is not None else None
        try:
            root = parse(body)
            key = RequestKey.of(root)
        except WireError as exc:
            return self._system_error(None, str(exc))
        if state is not None:
            state.operation = key.service
            state.changed = False
        try:
            validate(root)
        except WireError as exc:
            return self._system_error(key, str(exc))
        if key.service == "executeFinacleScript":
            return self._script(key, root, state)
        handler = self._handlers.get(key.service)
        if handler is None:
            return self._system_error(key, f"Service {key.service} is not available")
        try:
            fill = handler(root)
        except _BusinessError as exc:
            return failure(
                key, [exc.detail], bank_id=self.bank_id, now=self._now(), partial=exc.partial
            )
        if state is not None and key.service == "RetCustMod":
            state.changed = True
        host_id = str(self.store.next_id("host", start=531001))
        return success(key, fill, bank_id=self.bank_id, now=self._now(), host_id=host_id)

    def _script(self, key: RequestKey, root: etree._Element, state: Any) -> bytes:
        request_body = root.find(f"{_Q}Body/{_Q}executeFinacleScriptRequest")
        assert request_body is not None  # the schema guarantees it
        request_id = text_of(request_body, "ExecuteFinacleScriptInputVO/requestId").strip()
        data = request_body.find(f"{_Q}executeFinacleScript_CustomData")
        params = {
            etree.QName(e).localname: (e.text or "") for e in (data if data is not None else ())
        }
        result = run_script(ScriptContext(self.bank, self.store), request_id, params)
        if state is not None:
            state.operation = f"executeFinacleScript:{request_id}"
        if result is None:
            detail = ErrorDetail("SCR001", f"Script {request_id} not found", "", "BE")
            return failure(key, [detail], bank_id=self.bank_id, now=self._now())
        if state is not None:
            state.created, state.changed = result.created, result.changed
            if result.key:
                state.idempotency_key = result.key

        def fill(body: etree._Element) -> None:
            response = child(body, "executeFinacleScriptResponse")
            child(response, "ExecuteFinacleScriptOutputVO")
            custom = child(response, "executeFinacleScript_CustomData")
            for tag, value in result.outputs:
                leaf(custom, tag, value)

        host_id = str(self.store.next_id("host", start=531001))
        return success(key, fill, bank_id=self.bank_id, now=self._now(), host_id=host_id)

    # -- services -------------------------------------------------------------------

    def _customer(self, root: etree._Element, path: str, service: str) -> int:
        cust = text_of(root, f"Body/{service}Request/{path}").strip()
        found = self.bank.customer_by_number(cust)
        if found is None:
            raise _BusinessError(_CIF_MISSING, lambda body: _empty_response(body, service))
        return found.index

    def _cust_inq(self, root: etree._Element) -> Callable[[etree._Element], None]:
        index = self._customer(root, "RetCustInqRq/CustId", "RetCustInq")
        customer = self.bank.customer(index)
        nba = self.store.get("nba", customer.number)
        return lambda body: customers.customer_details(body, customer, nba)

    def _cust_accounts(self, root: etree._Element) -> Callable[[etree._Element], None]:
        index = self._customer(root, "RetCustAcctInqRq/CustId", "RetCustAcctInq")
        customer = self.bank.customer(index)
        return lambda body: customers.customer_accounts(body, self.bank, customer)

    def _account(self, acid: str, service: str) -> AccountSpec:
        number = number_of(acid)
        account = self.bank.account(number) if number else None
        if account is None:
            raise _BusinessError(_ACCT_MISSING, lambda body: _empty_response(body, service))
        return account

    def _bal_inq(self, root: etree._Element) -> Callable[[etree._Element], None]:
        account = self._account(
            text_of(root, "Body/BalInqRequest/BalInqRq/AcctId/AcctId"), "BalInq"
        )
        return lambda body: accounts.balances(body, self.bank, account)

    def _detail_inq(self, service: str, root: etree._Element) -> Callable[[etree._Element], None]:
        """``ODAcctInq`` / ``TDAcctInq`` / ``LoanAcctInq`` (``<Svc>Rq/<Id>/AcctId``)."""
        id_tag, types = details.DETAIL_TYPES[service]
        acid = text_of(root, f"Body/{service}Request/{service}Rq/{id_tag}/AcctId")
        account = self._account(acid, service)
        if scheme_of(self.bank.product(account.product_code))[1] not in types:
            raise _BusinessError(_WRONG_TYPE, lambda body: _empty_response(body, service))
        return lambda body: details.account_details(body, self.bank, account, service)

    def _last_n(self, root: etree._Element) -> Callable[[etree._Element], None]:
        service = "getLastNTransactionsWithPagination"
        request = f"Body/{service}Request/PaginatedAccountTransactionList"
        account = self._account(text_of(root, f"{request}/accountListElement/acid"), service)
        last_n = int(text_of(root, f"{request}/lastNTransactions"))
        return lambda body: accounts.statement(body, self.bank, account, last_n)

    def _cust_mod(self, root: etree._Element) -> Callable[[etree._Element], None]:
        base = "RetCustModRequest/RetCustModRq"
        index = self._customer(
            root, "RetCustModRq/RetCustModMainData/CustModData/CustId", "RetCustMod"
        )
        customer = self.bank.customer(index)
        for row in root.iterfind(
            f"{_Q}Body/{_Q}{base.replace('/', '/' + _Q)}"
            f"/{_Q}PsychographicData/{_Q}PsychographMiscData"
        ):
            if text_of(row, "Type").strip() == "NBA":
                self.store.put(
                    "nba",
                    customer.number,
                    {
                        "code": text_of(row, "StrText10"),
                        "expiry": text_of(row, "DTDt1"),
                        "score": text_of(row, "DBFloat1") or "0",
                        "audit_id": "",
                    },
                )

        def fill(body: etree._Element) -> None:
            response = child(body, "RetCustModResponse")
            rs = child(response, "RetCustModRs")
            leaf(rs, "CustId", customer.number)
            leaf(rs, "Desc", "Retail customer modified successfully")
            child(response, "RetCustMod_CustomData")

        return fill


class _BusinessError(Exception):
    def __init__(self, detail: ErrorDetail, partial: Callable[[etree._Element], None]) -> None:
        super().__init__(detail.desc)
        self.detail = detail
        self.partial = partial


def _empty_response(body: etree._Element, service: str) -> None:
    """The empty business block an aggregate service sends beside its ``Error`` block."""
    child(child(body, f"{service}Response"), f"{service}_CustomData")
