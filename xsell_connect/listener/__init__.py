"""The listener service a bank deploys (DESIGN §7): ``xsell-connect listen --config bank.toml``.

One ASGI app (Starlette under uvicorn) and, when configured, an AMQP consumer (pika), both
committing raw events to the store's inbox before they answer; inbox workers drain it into
the decision pipeline through the ports of ``ports.py``.

    settings.py   pydantic-settings: TOML file + XSELL_* variables, SecretStr secrets
    webhooks.py   Standard Webhooks, shared-secret header and IP allow-list verification
    ingest.py     parse, then inbox.put (or inbox.reject for a malformed payload)
    app.py        routes: /webhooks/{source}, /healthz, /readyz, /metrics, /v1/..., /approvals
    amqp.py       the consumer and the republisher
    worker.py     inbox → EventSink, at least once
    ports.py      what the listener needs from the pipeline, with in-memory implementations
    services.py   everything one process runs, and its lifespan

This package imports nothing heavy itself: Starlette, uvicorn and pika load with the
modules that use them (``pip install 'xsell-connect[listener]'``).
"""
