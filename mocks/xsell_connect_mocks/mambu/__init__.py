"""The Mambu v2 mock core: the synthetic bank as a Mambu tenant (shared/reference/mambu.md).

Routes (all under ``/api``; every call needs ``Accept: application/vnd.mambu.v2+json`` and
an ``apiKey`` header or HTTP Basic; the Streaming API takes API keys only):

- ``GET /clients``, ``POST /clients:search``, ``GET|PATCH /clients/{id}``
- ``GET /deposits``, ``POST /deposits:search``, ``GET /deposits/{id}``,
  ``GET /deposits/{id}/transactions``, ``POST /deposits/transactions:search``,
  ``GET /deposits/transactions/{id}``, ``POST /deposits/{id}/deposit-transactions``,
  ``POST /deposits/{id}/withdrawal-transactions``
- ``GET /loans``, ``POST /loans:search``, ``GET /loans/{id}``,
  ``GET /loans/{id}/transactions``, ``POST /loans/transactions:search``,
  ``GET /loans/transactions/{id}``
- ``GET /depositproducts[/{id}]``, ``GET /loanproducts[/{id}]``
- ``POST|GET /tasks``, ``GET|PATCH /tasks/{id}``, ``POST|GET /comments``
- ``POST /subscriptions``, ``GET|DELETE /subscriptions/{id}``,
  ``GET /subscriptions/{id}/events``, ``POST /subscriptions/{id}/cursors``

Control routes, besides the framework's: ``POST /_mock/events/replay`` (``{"days": N}`` or
``{"since": iso, "until": iso}``, optional ``"duplicates": 0.1, "shuffle": true``),
``GET /_mock/events`` (the event log), ``GET /_mock/webhooks`` (communication history).

Project conventions (Mambu has no native place for these; adapters follow the same):

- **Custom-field sets.** ``_xsell`` (``Next_Best_Action``, ``NBA_Score`` (a number as a
  string), ``NBA_Expiry`` (``YYYY-MM-DD``), ``NBA_Offer_Ref``) appears once written.
  ``_profile`` is read-only and always present with ``detailsLevel=FULL``:
  ``Party_Type`` (``PERSON|ORGANISATION``), ``Segment``, ``KYC_Status``,
  ``Relationship_Manager``, ``Branch_Code``, ``Customer_Since``, ``Preferred_Channel``,
  ``Consent_<CHANNEL>`` for each of the bank's channels (EMAIL, SMS, PUSH, PHONE, POST,
  BRANCH; ``"TRUE"/"FALSE"``), ``Nationality``, ``Residency``. Card transactions carry
  ``_card`` {``MCC``, ``Merchant_Country``}.
- **Organisations** are clients (Mambu groups are out of scope) with
  ``_profile.Party_Type = "ORGANISATION"``, ``lastName`` = organisation name and
  ``firstName`` = ``"-"`` (both names are required on a Mambu client); no birth date or
  gender. Their id document is ``COMPANY_REGISTRATION``.
- **Addresses** carry ``country`` as ISO 3166 alpha-2 (Mambu's field is free text).
- **Eligibility** rides in each product's ``notes`` as one line:
  ``xsell-eligibility: family=SAVINGS;version=2026-01;min_age=;max_age=25;segments=MASS,
  AFFLUENT;residency=;requires=CURRENT;excludes=;min_balance=;channels=EMAIL,PUSH;
  organisations=false;active_from=2020-01-01;active_to=`` (lists comma-separated, empty =
  no constraint).
- **Families.** CURRENT/SAVINGS/TERM_DEPOSIT are deposits (``CURRENT_ACCOUNT``,
  ``REGULAR_SAVINGS``, ``FIXED_DEPOSIT``); LOAN (``FIXED_TERM_LOAN`` /
  ``PERSONAL_LENDING``), MORTGAGE (``FIXED_TERM_LOAN`` / ``RETAIL_MORTGAGES``) and CARD
  (``REVOLVING_CREDIT`` / ``PURCHASE_FINANCING``, ``loanAmount`` = credit limit) are loans.
- **Amounts** are positive; the direction is in ``type`` (deposits: ``DEPOSIT``,
  ``FEE_ADJUSTED`` credit, ``WITHDRAWAL``, ``TRANSFER``, ``FEE_APPLIED`` debit,
  ``INTEREST_APPLIED`` credit unless ``affectedAmounts.overdraftInterestAmount`` carries it
  (overdraft interest, a debit); loans: ``DISBURSEMENT``, ``INTEREST_APPLIED``,
  ``FEE_APPLIED`` raise the debt, ``REPAYMENT``, ``REFUND`` lower it); a reversal is
  ``<type>_ADJUSTMENT``. Transaction ids are the bank's posting ids
  (``<account>-<seq>``; API-made ones are numbers from 900000001); ``externalId`` is
  ``<channel>-<id>`` unless the client sent one; the counterparty is
  ``paymentDetails.debtor|creditor.name``. Deposit ``totalBalance`` is signed (negative
  when overdrawn; ``overdraftAmount`` repeats the overdrawn part); loan
  ``principalBalance`` is the outstanding debt.
- **Orders.** ``GET /clients`` defaults to ``lastModifiedDate:DESC`` (API-modified
  clients first); ``:search`` without ``sortingCriteria`` answers in creation order;
  account transactions come oldest first; a transaction search not pinned to accounts
  answers by customer, then booking time, unless sorted.
- **Idempotency-Key** (POST and PATCH writes): same key and body → the first answer
  again, nothing written twice; a different body → 400 ``INVALID_PARAMETERS`` (errorSource
  names the key; Mambu documents no behaviour); still running → 102 with an error body
  (``IDEMPOTENCY_KEY_IN_PROGRESS``; meaningful in process only, HTTP/1.1 servers cannot
  send a final 1xx). ``MambuMock(write_latency=...)`` holds writes after they claim their
  key, to provoke that case.
- **Client PATCH**: see `xsell_connect_mocks.mambu.writes`.
- **Errors**: every 4xx is ``{"errors":[{errorCode, errorSource, errorReason}]}`` with
  codes from `xsell_connect_mocks.mambu.errors.ERROR_CODES`. Injected faults never carry
  ``Retry-After`` (Mambu documents none).
- **Events**: see `xsell_connect_mocks.mambu.events` (template), `.webhooks` and
  `.streaming`.
"""

from xsell_connect_mocks.mambu.app import MambuMock
from xsell_connect_mocks.mambu.events import Event
from xsell_connect_mocks.mambu.webhooks import WebhookRequest, render_webhook_request

__all__ = ["Event", "MambuMock", "WebhookRequest", "render_webhook_request"]
