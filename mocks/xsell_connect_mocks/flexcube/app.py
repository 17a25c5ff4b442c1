"""`FlexcubeMock`: the synthetic bank behind an FCUBS-style SOAP gateway (reference flexcube.md).

One endpoint per service at ``/<Service>/<Service>``: ``GET ?WSDL`` serves the project's
WSDL (its ``soap:address`` rewritten to the URL asked), ``GET /<Service>/<file>.xsd`` the
imported schema, ``POST`` a SOAP 1.1 request, dispatched on the Body root element. Business
outcomes come back in the body with HTTP 200 (``MSGSTAT`` + ``FCUBS_ERROR_RESP`` /
``FCUBS_WARNING_RESP``); a SOAP Fault with HTTP 500 only for a broken envelope, a DOCTYPE or
an unknown operation. ``modern=True`` answers in "12.x style": ``<ENTITY>null</ENTITY>`` in the
header, ``Customer-Full`` reordered (CUSTNO first) with ``CIFCREATIONDT`` and ``GENDR``.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from xsell_connect_mocks.flexcube import operations
from xsell_connect_mocks.flexcube.operations import Outcome
from xsell_connect_mocks.flexcube.soap import Fields, SoapFault, fault, parse_request, reply
from xsell_connect_mocks.framework import FaultRule, MockCore

if TYPE_CHECKING:
    from xsell_connect_mocks.bank import SyntheticBank

__all__ = ["SERVICES", "WSDL_DIR", "FlexcubeMock"]

WSDL_DIR = Path(__file__).parent / "wsdl"
SERVICES = ("FCUBSCustomerService", "FCUBSAccService", "XSCStatementService",
            "XSCEngagementService")  # fmt: skip
_XML = "text/xml; charset=utf-8"
#: Gateway codes for header checks: the real codes are not public (reference §7), chosen here.
HEADER_ERRORS = {
    "SOURCE": ("GW-AUTH-01", "Source {} is not maintained as an external system"),
    "USERID": ("GW-AUTH-02", "User {} is not valid for source"),
    "BRANCH": ("GW-VALS-03", "Branch {} is not valid"),
}


class FlexcubeMock(MockCore):
    """The FCUBS gateway mock. ``sources``/``users`` are the maintained SOURCE and USERID."""

    platform = "flexcube"

    def __init__(
        self,
        bank: SyntheticBank,
        *,
        faults: Sequence[FaultRule] = (),
        fault_seed: int = 0,
        modern: bool = False,
        sources: frozenset[str] = frozenset({"XSELL"}),
        users: frozenset[str] = frozenset({"XSELLUSR"}),
    ) -> None:
        super().__init__(bank, faults=faults, fault_seed=fault_seed)
        self.modern = modern
        self.sources = sources
        self.users = users
        self._msgids = itertools.count(6122333000617311)
        self._lock = threading.Lock()
        self.ops = operations.Operations(self)

    def routes(self) -> list[BaseRoute]:
        routes: list[BaseRoute] = []
        for service in SERVICES:
            routes.append(Route(f"/{service}/{service}", self._endpoint(service),
                                methods=["GET", "POST"]))  # fmt: skip
            routes.append(Route(f"/{service}/{{name}}.xsd", self._schema, methods=["GET"]))
        return routes

    def vendor_error(self, rule: FaultRule) -> tuple[int, dict[str, str], bytes]:
        return 500, {"content-type": _XML}, fault("S:Server", "Internal gateway error")

    def next_msgid(self) -> str:
        with self._lock:
            return str(next(self._msgids))

    # -- HTTP ---------------------------------------------------------------------------

    def _endpoint(self, service: str) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            if request.method == "GET":
                return self._wsdl(service, request)
            return self._soap(service, await request.body(), request)

        return endpoint

    def _wsdl(self, service: str, request: Request) -> Response:
        if "wsdl" not in {k.lower() for k in request.query_params}:
            return Response("Use ?WSDL", status_code=404, media_type="text/plain")
        text = (WSDL_DIR / f"{service}.wsdl").read_text(encoding="utf-8")
        here = str(request.url.replace(query=None))
        text = text.replace(f"http://localhost:7053/{service}/{service}", here)
        return Response(text, media_type=_XML)

    async def _schema(self, request: Request) -> Response:
        name = request.path_params["name"]
        path = WSDL_DIR / f"{name}.xsd"
        if name not in SERVICES or not path.is_file():
            return Response("not found", status_code=404, media_type="text/plain")
        return Response(path.read_bytes(), media_type=_XML)

    def _soap(self, service: str, body: bytes, request: Request) -> Response:
        try:
            soap = parse_request(body)
            handler = self.ops.handler(service, soap)
        except SoapFault as exc:
            return Response(fault(exc.code, exc.reason), status_code=500, media_type=_XML)
        request.state.operation = handler.operation
        request.state.changed = handler.writes
        outcome = self._check_header(soap.header) or handler(soap)
        if outcome.created:
            request.state.created = outcome.created
        if outcome.idempotency_key:
            request.state.idempotency_key = outcome.idempotency_key
        header = self._reply_header(soap.header, handler.function_id, handler.action, outcome)
        root = soap.root[: -len("_REQ")] + "_RES"
        return Response(reply(root, soap.namespace, header, outcome.body()), media_type=_XML)

    def _check_header(self, header: dict[str, str]) -> Outcome | None:
        branches = {"000", *self.ops.branch_codes}
        allowed = {"SOURCE": self.sources, "USERID": self.users, "BRANCH": branches}
        for name, values in allowed.items():
            if header.get(name, "") not in values:
                code, text = HEADER_ERRORS[name]
                return Outcome.failure(code, text.format(header.get(name, "")))
        return None

    def _reply_header(
        self, asked: dict[str, str], function_id: str, action: str, outcome: Outcome
    ) -> Fields:
        source = asked.get("SOURCE", "")
        fields: Fields = [
            ("SOURCE", source), ("UBSCOMP", asked.get("UBSCOMP") or "FCUBS"),
            ("MSGID", self.next_msgid()), ("CORRELID", "null"), ("USERID", asked.get("USERID")),
            ("BRANCH", asked.get("BRANCH") or "000"), ("MODULEID", asked.get("MODULEID") or None),
            ("SERVICE", asked.get("SERVICE")), ("OPERATION", asked.get("OPERATION")),
        ]  # fmt: skip
        if self.modern:
            fields.insert(5, ("ENTITY", "null"))
        else:
            fields += [("SOURCE_OPERATION", asked.get("SOURCE_OPERATION") or None),
                       ("SOURCE_USERID", asked.get("SOURCE_USERID") or None)]  # fmt: skip
        fields += [("DESTINATION", source), ("FUNCTIONID", function_id), ("ACTION", action),
                   ("MSGSTAT", outcome.status)]  # fmt: skip
        return fields
