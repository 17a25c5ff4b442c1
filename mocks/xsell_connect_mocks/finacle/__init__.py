"""The Infosys Finacle mock core: the synthetic bank behind Finacle Integrator (FIXML 10.2).

Wire facts: shared/reference/finacle.md. Contract: ``openapi/finacle/fixml-subset.xsd``
(the project's own XSD subset; every request is validated against it).

Routes:

- ``POST /FISERVLET/fihttp``: raw FIXML in, FIXML out (``application/xml``).
- ``POST /fiusb/services/FIUSBWebService``: SOAP ``executeService`` in
  ``http://webservice.fiusb.ci.infosys.com``, FIXML as text (CDATA) in ``arg_0_0``; the
  reply's FIXML is an escaped string in ``executeServiceResponse/return``.
- ``POST /fip/services/FIPWebService``: the same in ``http://endpoint.fip.infosys.com``,
  reply in ``executeServiceResponse/executeServiceReturn``.
- ``GET /_mock/finacle/schemes``: the bank's static scheme table (the catalog).
- ``POST /_mock/finacle/alerts/replay``: the ESB alerts of a window's postings, with
  duplicates and out of order on request (`xsell_connect_mocks.finacle.events`).

Services (dispatch on ``ServiceRequestId``): ``RetCustInq``, ``RetCustAcctInq``,
``BalInq``, ``ODAcctInq`` / ``TDAcctInq`` / ``LoanAcctInq`` (account-type details,
`xsell_connect_mocks.finacle.details`), ``getLastNTransactionsWithPagination``,
``executeFinacleScript`` (scripts in `xsell_connect_mocks.finacle.scripts`) and
``RetCustMod`` (the ``PsychographMiscData`` ``Type=NBA`` carrier). Anything else is an
``FISystemException``.

Every reply is HTTP 200 and echoes ``RequestUUID``, ``ServiceRequestId``,
``ServiceRequestVersion`` and ``ChannelId``. A failure says ``HostTransaction/Status``
``FAILURE`` and ``UBUSTransaction/Status`` ``FAILED`` (Ids ``null`` / ``0000``) with a
``Body/Error/FIBusinessException`` (``55007`` Invalid CIFID, ``E0011`` Invalid Account
Id: a mock convention, real codes vary by bank) beside the empty business block; a
malformed, DOCTYPE-carrying or schema-invalid request gets an ``FISystemException``
(``SYS`` / ``SOS``). Scripts report refusals in their ``_CustomData`` under a SUCCESS
host status.

Events: `xsell_connect_mocks.finacle.events` (ESB alert messages on RabbitMQ).
"""

from xsell_connect_mocks.finacle.app import FIHTTP_PATH, SOAP_PATHS, FinacleMock

__all__ = ["FIHTTP_PATH", "SOAP_PATHS", "FinacleMock"]
