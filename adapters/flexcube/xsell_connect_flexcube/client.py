"""The wire: zeep over an injectable httpx transport, FCUBS_HEADER, MSGSTAT and errors.

zeep reads with ``strict=False`` and ``xsd_ignore_sequence_order=True`` (real 12.x replies
add and reorder elements) and refuses DTDs, entities and external references. Each service's
WSDL is loaded from a local file with a WSDL client whose transport refuses every request,
so nothing is fetched over the network, ever. Replies become plain dicts (dates as
``yyyy-mm-dd`` text; 12.x-only elements such as CIFCREATIONDT merged in as text). zeep
builds every request and hands back the raw reply: an HTTP error without a SOAP Fault is
judged by its status, the replies of ``RAW_SERVICES`` (the statement, the hot path) are read
from their bytes by :mod:`.reply` into the same dicts, and the rest goes through zeep.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime
from typing import Any, cast

import httpx
import zeep
import zeep.exceptions
import zeep.helpers
from lxml import etree
from zeep.proxy import AsyncServiceProxy
from zeep.transports import AsyncTransport
from zeep.wsdl.bindings.soap import SoapBinding

from xsell_connect.errors import (
    AuthenticationError,
    ConflictError,
    FatalUpstreamError,
    NotFoundError,
    RateLimitedError,
    RequestRejectedError,
    RetriableUpstreamError,
    UpstreamError,
    UpstreamUnavailableError,
    VendorError,
)
from xsell_connect.http import error_for_exception
from xsell_connect.http.retry import build_retrying

from . import reply as raw_reply
from .settings import FlexcubeSettings

__all__ = ["DUPLICATE", "NOT_FOUND", "RAW_SERVICES", "FlexcubeClient", "outcome", "plain",
           "zeep_settings"]  # fmt: skip

logger = logging.getLogger("xsell_connect_flexcube")
GW_NS = "http://types.ws.gw.fcubs.ofss.com"
NOT_FOUND = "ST-VALS-002"
DUPLICATE = "XSC-DUP-001"
_AUTH_CODES = ("GW-AUTH-",)
_MODULES = {"FCUBSCustomerService": "ST", "FCUBSAccService": "CA"}
#: Services whose replies are read from their bytes (zeep's object graph is the cost there).
RAW_SERVICES = frozenset({"XSCStatementService"})


def zeep_settings(*, raw_response: bool = False) -> zeep.Settings:
    """The reading and hardening settings (reference flexcube.md §1)."""
    return zeep.Settings(
        strict=False,
        raw_response=raw_response,
        xsd_ignore_sequence_order=True,
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
        xml_huge_tree=False,
    )


def _refuse(request: httpx.Request) -> httpx.Response:
    raise FatalUpstreamError(f"refusing to fetch {request.url} while loading a WSDL")


def plain(value: Any) -> Any:
    """A zeep result as JSON-like data: dicts, lists, text, Decimal, int."""
    if isinstance(value, dict):
        out = {k: plain(v) for k, v in value.items() if k != "_raw_elements"}
        for element in value.get("_raw_elements") or ():
            if isinstance(element, etree._Element) and len(element) == 0:
                out.setdefault(etree.QName(element).localname, element.text)
        return out
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


class FlexcubeClient:
    """Calls gateway operations and returns ``FCUBS_BODY`` as a dict, or raises the tree."""

    def __init__(
        self,
        settings: FlexcubeSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.sleep = sleep
        verify: Any = str(settings.ca_bundle) if settings.ca_bundle else True
        self.http = httpx.AsyncClient(transport=transport, timeout=settings.timeout, verify=verify)
        self._wsdl_http = httpx.Client(transport=httpx.MockTransport(_refuse))
        self._proxies: dict[str, AsyncServiceProxy] = {}
        self._bindings: dict[str, tuple[zeep.AsyncClient, SoapBinding]] = {}
        self.zeep = zeep_settings(raw_response=True)  # replies are processed in _reply

    def proxy(self, service: str) -> AsyncServiceProxy:
        """The service's operations, loading its WSDL from the local directory once."""
        found = self._proxies.get(service)
        if found is None:
            transport = AsyncTransport(client=self.http, wsdl_client=self._wsdl_http)  # type: ignore[no-untyped-call]
            wsdl = str(self.settings.wsdl_dir / f"{service}.wsdl")
            client = zeep.AsyncClient(wsdl, settings=self.zeep, transport=transport)  # type: ignore[no-untyped-call]
            binding = cast(SoapBinding, client.wsdl.bindings[f"{{{GW_NS}}}{service}SEIBinding"])
            address = f"{self.settings.gateway_url}/{service}/{service}"
            found = AsyncServiceProxy(client, binding, address=address)  # type: ignore[no-untyped-call]
            self._proxies[service] = found
            self._bindings[service] = (client, binding)
        return found

    def _reply(self, service: str, wsdl_operation: str, answer: Any) -> dict[str, Any]:
        """The raw HTTP reply as plain dicts. An HTTP error without a SOAP Fault (a proxy's
        HTML page) is judged by its status; ``RAW_SERVICES`` replies are read by
        :func:`.reply.read`; everything else goes through zeep's ``process_reply``."""
        client, binding = self._bindings[service]
        operation = binding.get(wsdl_operation)  # type: ignore[no-untyped-call]
        where = f"flexcube {wsdl_operation}"
        if answer.status_code != 200 and not raw_reply.is_fault(answer.content):
            raise _for_status(answer.status_code, where)
        kind = str(answer.headers.get("Content-Type", "text/xml"))
        if service in RAW_SERVICES and answer.status_code == 200 and "multipart" not in kind:
            found = raw_reply.read(answer.content, operation.output.body.qname, where=where)
            if found is not None:
                return found
        result = binding.process_reply(client, operation, answer)  # type: ignore[no-untyped-call]
        return plain(zeep.helpers.serialize_object(result, dict))  # type: ignore[no-any-return,no-untyped-call]

    def header(self, service: str, operation: str, xref: str | None = None) -> dict[str, Any]:
        """FCUBS_HEADER in order; the older XSD requires MSGID, CORRELID, MODULEID,
        SOURCE_OPERATION and SOURCE_USERID, so they are sent, empty when there is no value."""
        s = self.settings
        header: dict[str, Any] = {
            "SOURCE": s.source, "UBSCOMP": "FCUBS", "MSGID": "", "CORRELID": "",
            "USERID": s.userid, "BRANCH": s.branch, "MODULEID": _MODULES.get(service, ""),
            "SERVICE": service, "OPERATION": operation, "SOURCE_OPERATION": operation,
            "SOURCE_USERID": s.userid,
        }  # fmt: skip
        if xref:
            header["ADDL"] = {"PARAM": [{"NAME": "XREF", "VALUE": xref}]}
        return header

    async def call(
        self,
        service: str,
        wsdl_operation: str,
        body: Mapping[str, Any],
        *,
        kind: str,
        ident: str,
        xref: str | None = None,
    ) -> dict[str, Any]:
        """One operation, retried on retriable errors; returns the reply's FCUBS_BODY."""
        operation = wsdl_operation.removesuffix("IO").removesuffix("FS")
        header = self.header(service, operation, xref)
        method = getattr(self.proxy(service), wsdl_operation)
        async for attempt in build_retrying(self.settings.retry_policy(), sleep=self.sleep):
            with attempt:
                try:
                    answer = await method(FCUBS_HEADER=header, FCUBS_BODY=dict(body))
                    reply = self._reply(service, wsdl_operation, answer)
                except RetriableUpstreamError as exc:
                    exc.attempts = attempt.retry_state.attempt_number
                    raise
                except UpstreamError:
                    raise
                except Exception as exc:
                    raise _translate(exc, wsdl_operation) from exc
        return outcome(reply, wsdl_operation, kind=kind, ident=ident)

    async def aclose(self) -> None:
        await self.http.aclose()
        self._wsdl_http.close()


def _for_status(status: int, where: str) -> UpstreamError:
    if status == 429:
        return RateLimitedError(f"{where}: HTTP 429")
    if status >= 500:
        return UpstreamUnavailableError(f"{where}: HTTP {status}")
    return RequestRejectedError(f"{where}: HTTP {status}")


def _translate(exc: Exception, operation: str) -> Exception:
    where = f"flexcube {operation}"
    if isinstance(exc, zeep.exceptions.Fault):
        cls = UpstreamUnavailableError if "Server" in str(exc.code) else RequestRejectedError
        return cls(f"{where}: SOAP Fault {exc.code}: {exc.message}")
    if isinstance(exc, zeep.exceptions.TransportError):
        return _for_status(exc.status_code, where)
    if isinstance(exc, zeep.exceptions.DTDForbidden | zeep.exceptions.EntitiesForbidden):
        return FatalUpstreamError(f"{where}: reply refused, it declares a DTD or entities ({exc})")
    if isinstance(exc, zeep.exceptions.ExternalReferenceForbidden):
        return FatalUpstreamError(f"{where}: reply refused, external reference ({exc})")
    if isinstance(exc, zeep.exceptions.XMLSyntaxError):
        return UpstreamUnavailableError(f"{where}: reply is not well-formed XML ({exc.message})")
    mapped = error_for_exception(exc, platform="flexcube", operation=operation)
    if mapped is not None:
        return mapped
    return FatalUpstreamError(f"{where}: {type(exc).__name__}: {exc}")


def outcome(reply: dict[str, Any], operation: str, *, kind: str, ident: str) -> dict[str, Any]:
    """The reply's FCUBS_BODY when MSGSTAT is not FAILURE (warnings pass); otherwise the
    error its FCUBS_ERROR_RESP codes call for."""
    header = reply.get("FCUBS_HEADER") or {}
    body: dict[str, Any] = reply.get("FCUBS_BODY") or {}
    errors = tuple(
        VendorError(code=str(e.get("ECODE") or ""), reason=str(e.get("EDESC") or ""))
        for block in body.get("FCUBS_ERROR_RESP") or ()
        for e in (block.get("ERROR") or ())
    )
    status = str(header.get("MSGSTAT") or ("FAILURE" if errors else "SUCCESS"))
    if status != "FAILURE":
        return body
    codes = [e.code for e in errors]
    if NOT_FOUND in codes:
        raise NotFoundError(kind, ident)
    message = f"flexcube {operation} failed: {', '.join(codes) or 'no error code'}"
    if any(code.startswith(_AUTH_CODES) for code in codes):
        raise AuthenticationError(message, vendor_errors=errors)
    if DUPLICATE in codes:
        raise ConflictError(message, vendor_errors=errors)
    raise RequestRejectedError(message, vendor_errors=errors)
