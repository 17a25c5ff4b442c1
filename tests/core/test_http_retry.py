"""Retries: which errors, how long between attempts, when to stop, what is raised."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import respx

from xsell_connect.errors import (
    RateLimitedError,
    RequestRejectedError,
    RetriableUpstreamError,
    UpstreamConnectionError,
    UpstreamTimeoutError,
    UpstreamUnavailableError,
    XsellError,
)
from xsell_connect.http import HttpClient, RetryPolicy, Timeouts, parse_retry_after
from xsell_connect.http import retry as retry_module
from xsell_connect.http.retry import build_retrying, retry_call

BASE = "https://core.test/api"
EXACT = RetryPolicy(jitter=False)


class RecordingSleep:
    """Records the waits asked for and returns at once (yielding to other tasks)."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def core() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def make_client(sleep: RecordingSleep, retry: RetryPolicy = EXACT, **kwargs: Any) -> HttpClient:
    return HttpClient(BASE, sleep=sleep, retry=retry, **kwargs)


@pytest.fixture
async def client(core: respx.MockRouter, sleep: RecordingSleep) -> AsyncIterator[HttpClient]:
    async with make_client(sleep) as http:
        yield http


async def test_429_with_retry_after_seconds_waits_that_long_plus_bounded_jitter(
    core: respx.MockRouter, sleep: RecordingSleep
) -> None:
    policy = RetryPolicy()
    route = core.get("/x").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(200)]
    )

    async with make_client(sleep, policy) as http:
        response = await http.request("GET", "/x")

    assert response.status_code == 200
    assert route.call_count == 2
    assert len(sleep.calls) == 1
    assert 2 <= sleep.calls[0] <= 2 + policy.initial_wait


async def test_retry_after_http_date_waits_until_that_date(
    core: respx.MockRouter, client: HttpClient, sleep: RecordingSleep
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=10), usegmt=True)
    core.get("/x").mock(
        side_effect=[httpx.Response(503, headers={"Retry-After": when}), httpx.Response(200)]
    )

    await client.request("GET", "/x")

    assert len(sleep.calls) == 1
    assert 8.5 <= sleep.calls[0] <= 10


async def test_retry_after_is_clamped_to_the_cap(
    core: respx.MockRouter, client: HttpClient, sleep: RecordingSleep
) -> None:
    core.get("/x").mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "3600"}), httpx.Response(200)]
    )

    await client.request("GET", "/x")

    assert sleep.calls == [EXACT.retry_after_cap]


async def test_backoff_is_exponential_up_to_max_wait_without_jitter(
    core: respx.MockRouter, sleep: RecordingSleep
) -> None:
    core.get("/x").mock(side_effect=[httpx.Response(503)] * 5 + [httpx.Response(200)])
    policy = RetryPolicy(initial_wait=0.5, max_wait=2, jitter=False)

    async with make_client(sleep, policy) as http:
        await http.request("GET", "/x")

    assert sleep.calls == [0.5, 1, 2, 2, 2]


async def test_backoff_with_jitter_stays_under_the_exponential_bound(
    core: respx.MockRouter, sleep: RecordingSleep
) -> None:
    core.get("/x").mock(side_effect=[httpx.Response(500)] * 6 + [httpx.Response(200)])
    policy = RetryPolicy(initial_wait=0.5, max_wait=4)

    async with make_client(sleep, policy) as http:
        await http.request("GET", "/x")

    bounds = [0.5, 1, 2, 4, 4, 4]
    assert len(sleep.calls) == len(bounds)
    assert all(0 <= wait <= bound for wait, bound in zip(sleep.calls, bounds, strict=True))


async def test_exhausted_attempts_raise_the_last_error_with_attempts_and_response(
    core: respx.MockRouter, client: HttpClient, sleep: RecordingSleep
) -> None:
    route = core.get("/x").mock(
        side_effect=[httpx.Response(503, text=f"down {n}") for n in range(1, 8)]
    )

    with pytest.raises(UpstreamUnavailableError) as raised:
        await client.request("GET", "/x")

    assert raised.value.attempts == EXACT.max_attempts == route.call_count
    assert raised.value.response is not None
    assert raised.value.response.body == b"down 7"
    assert len(sleep.calls) == EXACT.max_attempts - 1


async def test_budget_stops_before_a_wait_that_would_overrun_it(
    core: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = core.get("/x").respond(429, headers={"Retry-After": "2"})
    policy = RetryPolicy(max_attempts=10, budget=5, jitter=False)

    async with make_client(sleep, policy) as http:
        with pytest.raises(RateLimitedError) as raised:
            await http.request("GET", "/x")

    assert sleep.calls == [2, 2]
    assert raised.value.attempts == route.call_count == 3


async def test_deadline_timeouts_are_retried(sleep: RecordingSleep) -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls < 3:
            await asyncio.sleep(5)
        return httpx.Response(200)

    async with make_client(
        sleep, transport=httpx.MockTransport(handler), timeouts=Timeouts(total=0.05)
    ) as http:
        response = await http.request("GET", "/x")

    assert (response.status_code, calls, len(sleep.calls)) == (200, 3, 2)


async def test_timeouts_on_every_attempt_raise_upstream_timeout_with_attempts(
    sleep: RecordingSleep,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("slow")

    policy = RetryPolicy(max_attempts=3)
    async with make_client(sleep, policy, transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(UpstreamTimeoutError) as raised:
            await http.request("GET", "/x")

    assert raised.value.attempts == 3
    assert raised.value.response is None


async def test_connection_reset_is_retried_then_succeeds(
    core: respx.MockRouter, client: HttpClient, sleep: RecordingSleep
) -> None:
    route = core.get("/x").mock(side_effect=[ConnectionResetError("reset"), httpx.Response(200)])

    response = await client.request("GET", "/x")

    assert (response.status_code, route.call_count, len(sleep.calls)) == (200, 2, 1)


async def test_non_retriable_400_is_not_retried(
    core: respx.MockRouter, client: HttpClient, sleep: RecordingSleep
) -> None:
    route = core.post("/x").respond(400)

    with pytest.raises(RequestRejectedError):
        await client.request("POST", "/x", json={})

    assert (route.call_count, sleep.calls) == (1, [])


async def test_retry_false_sends_a_single_attempt(
    core: respx.MockRouter, client: HttpClient, sleep: RecordingSleep
) -> None:
    route = core.post("/x").respond(503)

    with pytest.raises(UpstreamUnavailableError) as raised:
        await client.request("POST", "/x", retry=False)

    assert (route.call_count, raised.value.attempts, sleep.calls) == (1, 1, [])


async def test_policy_none_sends_a_single_attempt(
    core: respx.MockRouter, sleep: RecordingSleep
) -> None:
    route = core.get("/x").respond(502)

    async with make_client(sleep, RetryPolicy.none()) as http:
        with pytest.raises(UpstreamUnavailableError):
            await http.request("GET", "/x")

    assert (route.call_count, sleep.calls) == (1, [])


async def test_retriable_error_from_the_translator_is_retried_with_its_hint(
    core: respx.MockRouter, sleep: RecordingSleep
) -> None:
    core.post("/x").mock(side_effect=[httpx.Response(102), httpx.Response(201)])

    def translate(response: httpx.Response) -> XsellError | None:
        in_flight = response.status_code == 102
        return RateLimitedError("same key in flight", retry_after=1) if in_flight else None

    async with make_client(sleep, error_translator=translate) as http:
        response = await http.request("POST", "/x")

    assert (response.status_code, sleep.calls) == (201, [1])


async def test_concurrent_calls_count_their_attempts_apart(
    core: respx.MockRouter, sleep: RecordingSleep
) -> None:
    core.get("/down").respond(503)
    core.get("/flaky").mock(side_effect=[httpx.Response(503)] * 2 + [httpx.Response(200)])

    async with make_client(sleep, RetryPolicy(max_attempts=4)) as http:
        down, flaky = await asyncio.gather(
            http.request("GET", "/down"), http.request("GET", "/flaky"), return_exceptions=True
        )

    assert isinstance(down, UpstreamUnavailableError)
    assert down.attempts == 4
    assert isinstance(flaky, httpx.Response)
    assert flaky.status_code == 200


async def test_stats_count_attempts_retries_and_failures(
    core: respx.MockRouter, client: HttpClient
) -> None:
    core.get("/flaky").mock(side_effect=[httpx.Response(503), httpx.Response(200)])
    core.get("/bad").respond(400)

    await client.request("GET", "/flaky")
    with pytest.raises(RequestRejectedError):
        await client.request("GET", "/bad")

    assert (client.stats.requests, client.stats.retries) == (3, 1)
    assert client.stats.failures == {"RequestRejectedError": 1}


async def test_each_retry_is_logged_as_a_warning(
    core: respx.MockRouter, client: HttpClient, caplog: pytest.LogCaptureFixture
) -> None:
    core.get("/x").mock(side_effect=[httpx.Response(503), httpx.Response(200)])

    with caplog.at_level(logging.WARNING, logger="xsell_connect.http"):
        await client.request("GET", "/x", operation="list_accounts")

    [record] = caplog.records
    assert record.levelno == logging.WARNING
    assert "list_accounts: UpstreamUnavailableError on attempt 1" in record.getMessage()


async def test_connection_error_after_retries_is_upstream_connection_error(
    sleep: RecordingSleep,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    policy = RetryPolicy(max_attempts=2)
    async with make_client(sleep, policy, transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(UpstreamConnectionError) as raised:
            await http.request("GET", "/x")

    assert raised.value.attempts == 2


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("2", 2.0), ("0", 0.0), ("1.5", 1.5), ("-5", 0.0), (None, None), ("", None), ("soon", None)],
)
def test_parse_retry_after_reads_delta_seconds(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


def test_parse_retry_after_reads_an_http_date() -> None:
    now = datetime(2015, 10, 21, 7, 27, 30, tzinfo=UTC)

    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 30.0


def test_parse_retry_after_treats_a_past_http_date_as_now() -> None:
    now = datetime(2015, 10, 21, 8, 0, 0, tzinfo=UTC)

    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now=now) == 0.0


def test_policy_none_is_a_single_attempt() -> None:
    assert RetryPolicy.none().max_attempts == 1


# -- retry_call: the first attempt outside tenacity, pinned against tenacity's own loop ----


async def _plain_loop(policy: RetryPolicy, attempt: Any, sleep: RecordingSleep) -> Any:
    """The ordinary path: every attempt under ``build_retrying``, as adapters wrote it."""
    async for trying in build_retrying(policy, sleep=sleep):
        with trying:
            number = trying.retry_state.attempt_number
            try:
                return await attempt(number)
            except RetriableUpstreamError as exc:
                exc.attempts = number
                raise
    raise AssertionError("unreachable")


def _scripted(outcomes: list[Exception | str], seen: list[int]) -> Any:
    """An attempt that fails or answers as scripted, recording the numbers it was called with."""

    async def attempt(number: int) -> str:
        seen.append(number)
        outcome = outcomes[number - 1]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return attempt


def _unavailable() -> UpstreamUnavailableError:
    return UpstreamUnavailableError("core: HTTP 503")


@pytest.mark.parametrize(
    "script",
    [
        ["ok"],
        ["503", "ok"],
        ["503", "503", "429", "ok"],
        ["503", "503", "503", "503", "503"],
        ["400"],
        ["503", "400"],
    ],
)
async def test_retry_call_attempts_waits_and_raises_as_tenacity_alone(script: list[str]) -> None:
    def outcomes() -> list[Exception | str]:
        made: dict[str, Any] = {
            "503": _unavailable,
            "429": lambda: RateLimitedError("core: HTTP 429", retry_after=2.0),
            "400": lambda: RequestRejectedError("core: HTTP 400"),
        }
        return [made[s]() if s in made else s for s in script]

    policy = RetryPolicy(max_attempts=5, jitter=False)
    results = []
    for run in (retry_call, _plain_loop):
        seen: list[int] = []
        sleep = RecordingSleep()
        call = _scripted(outcomes(), seen)
        try:
            if run is retry_call:
                found: Any = await retry_call(policy, call, sleep=sleep)
            else:
                found = await _plain_loop(policy, call, sleep)
        except XsellError as exc:
            found = (type(exc).__name__, str(exc), getattr(exc, "attempts", None))
        results.append((found, seen, sleep.calls))
    assert results[0] == results[1]


async def test_retry_call_builds_no_retrying_when_the_first_attempt_succeeds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("tenacity was built")

    monkeypatch.setattr(retry_module, "build_retrying", refuse)
    seen: list[int] = []
    assert await retry_call(EXACT, _scripted(["ok"], seen), sleep=RecordingSleep()) == "ok"
    assert seen == [1]


async def test_retry_call_with_one_attempt_raises_the_first_error_with_attempts_one() -> None:
    sleep = RecordingSleep()
    seen: list[int] = []
    with pytest.raises(UpstreamUnavailableError) as raised:
        await retry_call(RetryPolicy.none(), _scripted([_unavailable()], seen), sleep=sleep)
    assert (raised.value.attempts, seen, sleep.calls) == (1, [1], [])


async def test_retry_call_reports_each_wait_to_before_sleep_with_the_attempt_number() -> None:
    numbers: list[int] = []
    sleep = RecordingSleep()
    script: list[Exception | str] = [_unavailable(), _unavailable(), "ok"]
    found = await retry_call(
        EXACT,
        _scripted(script, []),
        sleep=sleep,
        before_sleep=lambda state: numbers.append(state.attempt_number),
    )
    assert (found, numbers, sleep.calls) == (
        "ok",
        [1, 2],
        [EXACT.initial_wait, EXACT.initial_wait * 2],
    )
