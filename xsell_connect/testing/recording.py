"""Record an adapter's traffic against a real tenant, scrubbed, and replay it in CI.

Built on vcrpy. Before anything is written, every request and response goes through a
``Scrubber``:

- auth headers (``Authorization``, ``apiKey``, cookies, ...) and secret query parameters
  are dropped; response headers are cut to an allow-list;
- the core's host is replaced by ``core.example.invalid``;
- personal data — names, birth dates, account numbers, e-mails, phones, addresses — found
  under known keys in JSON bodies is replaced by a keyed pseudonym of the same shape
  (digits stay digits, dates stay valid dates), and every later occurrence of the same value
  anywhere (URL paths, query strings, free text) is replaced by the same pseudonym.

Pseudonyms are HMAC-SHA256 under ``XSELL_RECORDING_KEY`` (random per session when unset), so
they cannot be reversed by hashing guesses. Replay needs no key: the adapter reads the
pseudonymised ids from the recorded responses and asks for them again.

Example::

    from xsell_connect.testing.recording import recorder

    with recorder("tests/cassettes/mambu_read.json", platform="mambu"):
        party = await adapter.get_party("417023981")
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import vcr
from vcr.request import Request

__all__ = ["PLACEHOLDER_HOST", "ScrubRules", "Scrubber", "recorder"]

PLACEHOLDER_HOST = "core.example.invalid"

_SECRET_HEADERS = frozenset(
    {"authorization", "apikey", "api-key", "x-api-key", "cookie", "proxy-authorization",
     "x-xsell-webhook-secret", "x-mambu-callback"}
)  # fmt: skip
_KEPT_RESPONSE_HEADERS = frozenset(
    {"content-type", "items-offset", "items-limit", "items-total", "x-mambu-streamid",
     "retry-after"}
)  # fmt: skip
_SECRET_QUERY = re.compile(r"(?i)^(api_?key|access_token|token|password|secret)$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(.*)$")

#: Keys whose string values are personal data, across the vendors' JSON shapes.
COMMON_PII_KEYS = frozenset(
    {
        "firstName", "lastName", "middleName", "fullName", "givenName", "familyName",
        "customerName", "displayName", "accountTitle", "legalHolderName", "shortName",
        "birthDate", "dateOfBirth", "emailAddress", "email", "mobilePhone", "homePhone",
        "phoneNumber", "smsNumber", "contactData", "line1", "line2", "street", "city",
        "postcode", "addressCity", "IBAN", "iban", "accountNumber", "documentId", "legalId",
        "taxId", "title",
    }
)  # fmt: skip


@dataclass(frozen=True)
class ScrubRules:
    """What counts as personal data for one platform.

    ``keys_by_path`` adds keys that are personal only under some URLs — Mambu account ``id``
    values are account numbers under ``/deposits`` and ``/loans``, but not elsewhere.
    """

    pii_keys: frozenset[str] = COMMON_PII_KEYS
    keys_by_path: tuple[tuple[str, frozenset[str]], ...] = ()

    @classmethod
    def for_platform(cls, platform: str) -> ScrubRules:
        return _PLATFORM_RULES.get(platform, cls())


_PLATFORM_RULES: dict[str, ScrubRules] = {
    "mambu": ScrubRules(
        keys_by_path=((r"/(deposits|loans)(/[^/:?]+)?/?(\?|$)", frozenset({"id"})),),
    ),
}


@dataclass
class Scrubber:
    """Stateful scrubber for one recording session (it remembers values it has replaced)."""

    rules: ScrubRules = field(default_factory=ScrubRules)
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    known: dict[str, str] = field(default_factory=dict)
    _last_uri: str = ""

    def pseudonym(self, value: str) -> str:
        if value in self.known:
            return self.known[value]
        digest = hmac.new(self.key, value.encode(), hashlib.sha256).digest()
        match = _DATE.match(value)
        if match:
            year = 1940 + digest[0] % 60
            fake = f"{year:04d}-{1 + digest[1] % 12:02d}-{1 + digest[2] % 28:02d}{match.group(4)}"
        else:
            fake = "".join(_shape(ch, digest[i % len(digest)]) for i, ch in enumerate(value))
        self.known[value] = fake
        return fake

    # -- JSON ---------------------------------------------------------------------------

    def _collect(self, node: Any, keys: frozenset[str]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k in keys and isinstance(v, str) and len(v.strip()) >= 2:
                    self.pseudonym(v)
                else:
                    self._collect(v, keys)
        elif isinstance(node, list):
            for item in node:
                self._collect(item, keys)

    def replace_text(self, text: str) -> str:
        # Longest first, so "Ana Moreau" goes before "Ana".
        for value in sorted(self.known, key=len, reverse=True):
            if value in text:
                text = text.replace(value, self.known[value])
        return text

    def _replace(self, node: Any) -> Any:
        if isinstance(node, str):
            return self.replace_text(node)
        if isinstance(node, dict):
            return {k: self._replace(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self._replace(v) for v in node]
        return node

    def keys_for(self, url: str) -> frozenset[str]:
        path = urlsplit(url).path + ("?" if urlsplit(url).query else "")
        extra = [keys for pattern, keys in self.rules.keys_by_path if re.search(pattern, path)]
        return self.rules.pii_keys.union(*extra)

    def scrub_body(self, body: bytes | str | None, url: str) -> bytes | str | None:
        if not body:
            return body
        raw = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        try:
            parsed = json.loads(raw)
        except ValueError:
            text = self.replace_text(raw)
        else:
            self._collect(parsed, self.keys_for(url))
            text = json.dumps(self._replace(parsed), separators=(",", ":"), ensure_ascii=False)
        return text.encode() if isinstance(body, bytes) else text

    def scrub_url(self, url: str) -> str:
        parts = urlsplit(url)
        query = "&".join(
            pair
            for pair in parts.query.split("&")
            if pair and not _SECRET_QUERY.match(pair.split("=")[0])
        )
        return urlunsplit(
            (
                parts.scheme,
                PLACEHOLDER_HOST,
                self.replace_text(parts.path),
                self.replace_text(query),
                "",
            )
        )

    # -- vcrpy hooks --------------------------------------------------------------------

    def before_record_request(self, request: Request) -> Request:
        # vcrpy filters the same request object more than once; never scrub it twice.
        request = copy.deepcopy(request)
        self._last_uri = request.uri
        for name in list(request.headers):
            if name.lower() in _SECRET_HEADERS:
                del request.headers[name]
            elif name.lower() == "host":
                request.headers[name] = PLACEHOLDER_HOST
        request.body = self.scrub_body(request.body, request.uri)
        request.uri = self.scrub_url(request.uri)
        return request

    def before_record_response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers = response.get("headers", {})
        response["headers"] = {
            k: v for k, v in headers.items() if k.lower() in _KEPT_RESPONSE_HEADERS
        }
        body = response.get("body", {})
        if isinstance(body, dict) and "string" in body:
            body["string"] = self.scrub_body(body["string"], self._last_uri)
        return response


def _shape(ch: str, byte: int) -> str:
    if ch.isdigit():
        return str(byte % 10)
    if ch.isalpha() and ch.isascii():
        letter = chr(ord("a") + byte % 26)
        return letter.upper() if ch.isupper() else letter
    if ch.isalpha():
        return "x"
    return ch


@contextmanager
def recorder(
    cassette: str | Path,
    *,
    platform: str,
    record_mode: str | None = None,
    rules: ScrubRules | None = None,
) -> Iterator[Scrubber]:
    """Record (or replay) an adapter's HTTP traffic into a scrubbed JSON cassette.

    ``record_mode`` defaults to ``"none"`` when ``CI`` is set (replay only: a request not in
    the cassette fails) and ``"once"`` otherwise.
    """
    key_text = os.environ.get("XSELL_RECORDING_KEY")
    scrubber = Scrubber(
        rules=rules or ScrubRules.for_platform(platform),
        key=key_text.encode() if key_text else secrets.token_bytes(32),
    )
    mode = record_mode or ("none" if os.environ.get("CI") else "once")
    recording = vcr.VCR(
        serializer="json",
        record_mode=mode,
        match_on=("method", "scheme", "host", "port", "path", "query", "body"),
        before_record_request=scrubber.before_record_request,
        before_record_response=scrubber.before_record_response,
        decode_compressed_response=True,
    )
    with recording.use_cassette(str(cassette)):
        yield scrubber
