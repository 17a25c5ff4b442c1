"""The Oracle FLEXCUBE (FCUBS) mock core: the synthetic bank behind a SOAP gateway.

Wire facts: shared/reference/flexcube.md; contracts: ``openapi/flexcube/`` (the project's own
WSDL/XSD subset). Services, each at ``/<Service>/<Service>`` with ``?WSDL``:

- ``FCUBSCustomerService``: ``QueryCustomerIO``, ``ModifyCustomerIO`` (UDFDETAILS write-back);
- ``FCUBSAccService``: ``QueryCustAccIO``, ``QueryAccBalIO``, ``QueryAccSummIO`` (a
  customer's accounts; its node names are the project's, Oracle's are not public);
- ``XSCStatementService`` (project convention): ``QueryAccTxnsIO``, ledger rows shaped like
  ``ACVW_ALL_AC_ENTRIES`` with keyset paging by ``NEXTKEY``;
- ``XSCEngagementService`` (project convention): ``CreateOfferFS``, ``CreateAiAuditFS``,
  ``QueryAccClassIO`` (the bank's offerable account classes) and ``QueryCustDirIO`` (the
  customer directory a full walk needs; the gateway queries by key only).

Notifications: `xsell_connect_mocks.flexcube.notify` (FCUBS_NOTIF_ENV on a RabbitMQ queue).
"""

from xsell_connect_mocks.flexcube.app import SERVICES, FlexcubeMock

__all__ = ["SERVICES", "FlexcubeMock"]
