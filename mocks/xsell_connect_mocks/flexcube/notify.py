"""Gateway notifications: ``FCUBS_NOTIF_ENV`` messages on a RabbitMQ queue (reference §3).

FCUBS puts notifications on a JMS queue; here a RabbitMQ queue stands in for it, and each
message body is the notification XML, unchanged, as a JMS TextMessage's text would be. The
root element and namespace are inferred (reference §7); the NOTIF_CODE values are this
mock's and configurable in the adapter: ``NOTIF_CUST_ACC_BAL`` (balance change; keys BRN,
ACC), ``NOTIF_NEW_CUST_ACC`` (new account; BRN, ACC, CUSTNO), ``NOTIF_ACC_ENTRY`` (a
posting; BRN, ACC, TRN_REF_NO, CUSTNO).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

from lxml import etree

from xsell_connect_mocks.bank import AccountSpec, PostingSpec, SyntheticBank
from xsell_connect_mocks.flexcube.render import BRANCH_CODES
from xsell_connect_mocks.flexcube.soap import Fields, build

__all__ = ["NOTIF_NS", "Notifier", "publish"]

NOTIF_NS = "http://fcubs.ofss.com/service/FCUBSAccService"


class Notifier:
    """Builds notification messages for the bank's events, numbered from ``start``."""

    def __init__(self, bank: SyntheticBank, *, destination: str = "XSELL", start: int = 1) -> None:
        self.bank = bank
        self.destination = destination
        self._seq = itertools.count(start)

    def _message(self, code: str, branch: str, identifier: Fields) -> bytes:
        n = next(self._seq)
        root = etree.Element(f"{{{NOTIF_NS}}}FCUBS_NOTIF_ENV", nsmap={None: NOTIF_NS})
        build(root, NOTIF_NS, [
            ("FCUBS_NOTIF_HEADER", [("SOURCE", "FLEXCUBE"), ("MSGID", f"{6122333000619200 + n}"),
                                    ("NOTIF_REF_NO", f"N{branch}{n:010d}"), ("BRANCH", branch),
                                    ("NOTIF_CODE", code), ("DESTINATION", self.destination)]),
            ("FCUBS_NOTIF_IDENTIFIER", identifier),
        ])  # fmt: skip
        return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))

    def _branch(self, account: AccountSpec) -> tuple[str, str]:
        customer = self.bank.customer(account.customer_index)
        return BRANCH_CODES[customer.branch], customer.number

    def new_account(self, account: AccountSpec) -> bytes:
        branch, custno = self._branch(account)
        return self._message(
            "NOTIF_NEW_CUST_ACC",
            branch,
            [("BRN", branch), ("ACC", account.number), ("CUSTNO", custno)],
        )

    def balance(self, account: AccountSpec) -> bytes:
        branch, _ = self._branch(account)
        return self._message(
            "NOTIF_CUST_ACC_BAL", branch, [("BRN", branch), ("ACC", account.number)]
        )

    def posting(self, posting: PostingSpec, account: AccountSpec) -> Iterator[bytes]:
        """A posting's notification, then the balance change it caused."""
        branch, custno = self._branch(account)
        yield self._message("NOTIF_ACC_ENTRY", branch,
                            [("BRN", branch), ("ACC", account.number),
                             ("TRN_REF_NO", posting.id), ("CUSTNO", custno)])  # fmt: skip
        yield self.balance(account)


def publish(messages: Iterable[bytes], *, url: str, queue: str, timeout: float = 10.0) -> int:
    """Publish ``messages`` to ``queue`` (declared durable) with confirms; returns the count.

    The connection is bounded: connect and blocked-connection timeouts are ``timeout``.
    """
    import pika

    params = pika.URLParameters(url)
    params.socket_timeout = timeout
    params.blocked_connection_timeout = timeout
    params.connection_attempts = 1
    connection = pika.BlockingConnection(params)
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.queue_declare(queue=queue, durable=True)
        count = 0
        for body in messages:
            channel.basic_publish(
                exchange="", routing_key=queue, body=body, mandatory=True,
                properties=pika.BasicProperties(content_type="text/xml", delivery_mode=2,
                                                type="TextMessage"),
            )  # fmt: skip
            count += 1
        return count
    finally:
        connection.close()
