"""The floor of the journey: a raw pika consumer that writes one offer per event, directly.

    python -m bench.time_to_offer.floor --queue Q --count N   (the core from XSELL_TEMENOS_*)

It consumes the floor's queue, reads each event's customer with ``json.loads`` (no adapter,
no inbox, no decision, no store), writes an equivalent offer to the same mock core through
the Temenos adapter's ``write_offer`` (the same HTTP client and the same write protocol as
the pipeline's drainer: look for the record by its reference, then POST the advert), acks,
and stops after ``count`` messages. What is left between this and the path is the listener:
the inbox, the worker, the Customer 360, the decision and the outbox.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pika

from bench.time_to_offer.events import PRODUCT_HEADER
from bench.time_to_offer.stack import AMQP_URL
from xsell_connect.models import Channel, Offer, OfferPricing

__all__ = ["floor_offer", "main"]


def floor_offer(event: dict[str, Any], product: str) -> Offer:
    """The offer the floor writes for an event: the same shape the pipeline writes."""
    party = str(event["data"]["customerId"])
    now = datetime.now(UTC)
    return Offer(
        id=Offer.make_id(party, "floor", str(event["id"])),
        party_id=party,
        product_code=product,
        product_name=product,
        nba_code=f"XS_{product}",
        pricing=OfferPricing(currency="EUR"),
        channel=Channel.EMAIL,
        score=Decimal("0.5"),
        created_at=now,
        expires_at=now + timedelta(days=30),
    )


def consume(queue: str, count: int, timeout: float) -> int:
    """Consume, write, ack ``count`` messages (or until ``timeout`` seconds of silence)."""
    from xsell_connect_temenos import TemenosAdapter

    loop = asyncio.new_event_loop()
    adapter = TemenosAdapter.from_settings()
    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
    done = 0
    try:
        channel = connection.channel()
        channel.basic_qos(prefetch_count=200)
        for method, properties, body in channel.consume(queue, inactivity_timeout=timeout):
            if method is None:
                break
            event = json.loads(body)
            offer = floor_offer(event, str((properties.headers or {})[PRODUCT_HEADER]))
            write = adapter.write_offer(offer, idempotency_key=f"{event['id']}:offer")
            loop.run_until_complete(write)
            channel.basic_ack(method.delivery_tag)
            done += 1
            if done == count:
                break
        channel.cancel()
    finally:
        connection.close()
        loop.run_until_complete(adapter.aclose())
        loop.close()
    return done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.time_to_offer.floor")
    parser.add_argument("--queue", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    done = consume(args.queue, args.count, args.timeout)
    print(json.dumps({"consumed": done}), flush=True)
    return 0 if done == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
