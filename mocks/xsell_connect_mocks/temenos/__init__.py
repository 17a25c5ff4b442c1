"""The Temenos Transact mock core: the synthetic bank behind Transact's provider APIs.

Routes (shared/reference/temenos.md; every call needs an ``apikey`` header or HTTP Basic,
and a ``companyId`` header — 400 without it, project convention; ``//`` after the version
is tolerated, as the v9.2.0 spec writes it):

- ``GET /api/v4.0.0/party/customers`` (list items; ``field=value`` filters),
  ``GET|PUT /api/v4.0.0/party/customers/{customerId}`` (the single record, multi-value
  arrays; the PUT carries ``header.audit.versionNumber``; Next_Best_Action in
  ``extensions``)
- ``GET /api/v1.0.0/holdings/customers/{customerId}/accounts``
- ``GET /api/v4.1.0/holdings/accounts/{accountId}``, ``.../{accountId}/transactions``
- ``GET /api/v2.0.0/holdings/transactions?accountId&listType&dateFrom&dateTo``
- ``GET /api/v9.2.0/holdings/accounts/{accountId}/statements?fromDate&toDate``
- ``GET /api/v1.0.0/product/productDetails/products``,
  ``GET /api/v1.0.0/product/customers/{customerId}/eligibleProducts``
- ``POST /api/v1.0.0/party/customers/adverts``, ``PUT .../adverts/{opportunityId}``,
  ``GET /api/v1.0.0/party/customers/{customerId}/adverts``
- ``POST /api/v1.0.0/party/customers/contactHistory``, ``GET|PUT .../contactHistory/{id}``,
  ``GET /api/v1.0.0/party/customers/{customerId}/contactHistory``

Envelope, errors and paging: `xsell_connect_mocks.temenos.envelope`. Writes, overrides,
``validate_only`` and ``versionNumber``: `.writes`. Records: `.render`. Business events
(CloudEvents to RabbitMQ and webhooks): `.outbound`.

Project conventions shared with the adapter: product ids are the bank's codes with dots
(``SAVINGS.PLUS``); the family is the ``productGroupId`` (`render.GROUPS`); organisations
have ``sectorId`` 2001, persons 1001; ``target`` 1..4 = MASS, AFFLUENT, PRIVATE, SME;
``language`` 1..7 = en, fr, de, es, it, nl, pt; ``transactionType`` codes in
`render.TXN_CODES`; ``page_start`` is 1-based; history rows and balances are signed from
the customer's side (debits and loans negative); the adverts and contact-history list
items are flat records (the write body plus ``opportunityId`` / ``contactHistoryId``).
"""

from xsell_connect_mocks.temenos.app import TemenosMock

__all__ = ["TemenosMock"]
