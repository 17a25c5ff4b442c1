"""Webhook verification: pure functions over the raw bytes, run before anything parses them.

- Standard Webhooks (https://www.standardwebhooks.com/): ``webhook-id``,
  ``webhook-timestamp`` (unix seconds) and ``webhook-signature`` (a space-separated list of
  ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, so that two keys verify during a
  rotation); secrets are ``whsec_<base64>``; a timestamp more than ``tolerance`` away from
  now is refused.
- A shared-secret header, for cores that sign nothing (Mambu, Temenos): the header must
  equal one of the configured secrets (constant-time comparison, on bytes).
- An IP allow-list, alone or on top of either.

Every refusal raises ``SignatureError`` whose message is safe to log and return: it names
what failed, never a secret or a signature; ``attribute`` is a short reason for metrics
(``missing``, ``malformed``, ``stale``, ``signature``, ``secret``, ``ip``).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from xsell_connect.errors import SignatureError

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "WEBHOOK_ID_HEADER",
    "Network",
    "SourceVerifier",
    "check_ip",
    "decode_secret",
    "sign",
    "verify_shared_secret",
    "verify_standard",
]

WEBHOOK_ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"
_PREFIX = "whsec_"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def decode_secret(secret: str) -> bytes:
    """The HMAC key of a ``whsec_<base64>`` secret."""
    encoded = secret.removeprefix(_PREFIX).rstrip("=")
    try:
        # Padding is optional, as in the reference library.
        key = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not key:
        raise SignatureError("webhook secret is not whsec_<base64>", attribute="secret")
    return key


def sign(key: bytes, webhook_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of one delivery."""
    return "v1," + _mac(key, f"{webhook_id}.{timestamp}.".encode() + body).decode()


def _mac(key: bytes, content: bytes) -> bytes:
    """The base64 of HMAC-SHA256(key, content): ``hmac.digest`` is OpenSSL's one-shot HMAC,
    without the ``hmac.HMAC`` object ``hmac.new`` builds, and ``b2a_base64`` is what
    ``base64.b64encode`` calls."""
    return binascii.b2a_base64(hmac.digest(key, content, "sha256"), newline=False)


def verify_standard(
    keys: Sequence[bytes],
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: float,
    tolerance: int = 300,
) -> str:
    """Verify one Standard Webhooks delivery; return its ``webhook-id``.

    Args:
        keys: the HMAC keys (``decode_secret``); any of them may have signed.
        headers: the request headers, lower-case names.
        body: the raw body, exactly as received.
        now: the current unix time.
        tolerance: seconds the timestamp may be off in either direction.

    Raises:
        SignatureError: a header is missing or malformed, the timestamp is stale, or no
            signature matches.
    """
    webhook_id = headers.get(WEBHOOK_ID_HEADER, "")
    stamp = headers.get(TIMESTAMP_HEADER, "")
    signatures = headers.get(SIGNATURE_HEADER, "")
    if not webhook_id or not stamp or not signatures:
        raise SignatureError(
            "missing webhook-id, webhook-timestamp or webhook-signature", attribute="missing"
        )
    if len(webhook_id) > 255:
        raise SignatureError("webhook-id is longer than 255 characters", attribute="malformed")
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise SignatureError("webhook-timestamp is not unix seconds", attribute="malformed")
    timestamp = int(stamp)
    if abs(now - timestamp) > tolerance:
        raise SignatureError("webhook-timestamp is outside the tolerance", attribute="stale")
    offered: list[bytes] = []
    for part in signatures.split():
        version, _, candidate = part.partition(",")
        if version == "v1" and candidate:
            offered.append(candidate.encode())
    content = f"{webhook_id}.{timestamp}.".encode() + body
    for key in keys:
        expected = _mac(key, content)
        # compare_digest on bytes: on str it raises TypeError for non-ASCII text.
        for offer in offered:
            if hmac.compare_digest(expected, offer):
                return webhook_id
    raise SignatureError("no webhook-signature matches", attribute="signature")


def verify_shared_secret(secrets: Sequence[bytes], header: str, headers: Mapping[str, str]) -> None:
    """Check that ``header`` carries one of ``secrets`` (any of them, during a rotation).

    Raises:
        SignatureError: the header is absent or carries another value.
    """
    offered = headers.get(header.lower())
    if not offered:
        raise SignatureError(f"missing {header} header", attribute="missing")
    value = offered.encode("utf-8", "surrogateescape")
    if not any(hmac.compare_digest(value, secret) for secret in secrets):
        raise SignatureError(f"{header} does not match", attribute="secret")


def check_ip(networks: Sequence[Network], client: str | None) -> None:
    """Check the peer address against the allow-list (an empty list allows everyone)."""
    if not networks:
        return
    try:
        address = ipaddress.ip_address(client or "")
    except ValueError:
        raise SignatureError("client address is unknown", attribute="ip") from None
    if not any(address in network for network in networks):
        raise SignatureError("client address is not allowed", attribute="ip")


@dataclass(frozen=True)
class SourceVerifier:
    """The checks configured for one source, keys decoded once at start-up."""

    standard_keys: tuple[bytes, ...] = ()
    shared_secrets: tuple[bytes, ...] = ()
    secret_header: str = ""
    networks: tuple[Network, ...] = ()
    tolerance: int = 300

    def verify(
        self, headers: Mapping[str, str], body: bytes, *, client: str | None, now: float
    ) -> str | None:
        """Run every configured check; the ``webhook-id`` when Standard Webhooks is used."""
        if self.networks:
            check_ip(self.networks, client)
        if self.shared_secrets:
            verify_shared_secret(self.shared_secrets, self.secret_header, headers)
        if self.standard_keys:
            return verify_standard(
                self.standard_keys, headers, body, now=now, tolerance=self.tolerance
            )
        return None
