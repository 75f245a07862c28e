"""Rate limits: per action and subject, shared through Redis, with Retry-After in Vietnamese."""

import asyncio

import pytest

from app import clientip, ratelimit
from app import redis as redis_module
from app.errors import AppError
from tests.factories import make_contest, new_phone, register


def body(phone=None):
    return {
        "full_name": "Lý Thị Nhanh",
        "phone": phone or new_phone(),
        "birth_year": 1990,
        "unit_code": "XH",
        "group": "nguoi-dan",
        "consent": True,
    }


async def test_registrations_per_address_get_429_with_retry_after(
    client, session, clock, rate_limits, monkeypatch
):
    await make_contest(session)
    monkeypatch.setattr(rate_limits, "limit_register_ip", "3/minute")
    codes = [
        (await client.post("/api/v1/contests/thu/participants", json=body())).status_code
        for _ in range(4)
    ]
    assert codes == [201, 201, 201, 429]
    refused = await client.post("/api/v1/contests/thu/participants", json=body())
    assert refused.json()["error"]["code"] == "rate_limited"
    assert "Bạn thao tác quá nhanh" in refused.json()["error"]["message"]
    assert 1 <= int(refused.headers["retry-after"]) <= 20


async def test_registrations_per_phone(client, session, clock, rate_limits, monkeypatch):
    await make_contest(session)
    monkeypatch.setattr(rate_limits, "limit_register_phone", "2/hour")
    phone = new_phone()
    codes = [
        (await client.post("/api/v1/contests/thu/participants", json=body(phone))).status_code
        for _ in range(3)
    ]
    assert codes == [201, 409, 429]


@pytest.mark.parametrize("action", ["start", "autosave", "submit"])
async def test_participant_actions_are_limited_per_participant(
    client, session, clock, rate_limits, monkeypatch, action
):
    await make_contest(session)
    monkeypatch.setattr(rate_limits, f"limit_{action}_participant", "2/minute")
    _, auth = await register(client)
    _, other = await register(client)
    attempt = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    requests = {
        "start": lambda who: client.post("/api/v1/contests/thu/attempts", headers=who),
        "autosave": lambda who: client.put(
            f"/api/v1/attempts/{attempt['attempt_id']}/answers", headers=who, json={"answers": {}}
        ),
        "submit": lambda who: client.post(
            f"/api/v1/attempts/{attempt['attempt_id']}/submit",
            headers=who,
            json={"answers": {}, "prediction": 1},
        ),
    }
    used = 1 if action == "start" else 0
    codes = [(await requests[action](auth)).status_code for _ in range(3 - used)]
    assert codes[-1] == 429 and 429 not in codes[:-1]
    # Another participant behind the same address is not held back by the first one's limit.
    assert (await client.post("/api/v1/contests/thu/attempts", headers=other)).status_code == 201


async def test_forwarded_addresses_count_only_through_trusted_proxies(
    client, session, clock, rate_limits, monkeypatch
):
    await make_contest(session)
    monkeypatch.setattr(rate_limits, "limit_register_ip", "1/minute")

    async def register_from(address):
        return (
            await client.post(
                "/api/v1/contests/thu/participants",
                json=body(),
                headers={"X-Forwarded-For": address},
            )
        ).status_code

    clientip._trusted_networks.cache_clear()
    assert [await register_from("10.0.0.1"), await register_from("10.0.0.2")] == [201, 429]
    monkeypatch.setattr(rate_limits, "trusted_proxies", ["127.0.0.0/8"])
    clientip._trusted_networks.cache_clear()
    try:
        assert [await register_from("10.0.0.3"), await register_from("10.0.0.4")] == [201, 201]
        assert await register_from("10.0.0.3") == 429
    finally:
        monkeypatch.undo()
        clientip._trusted_networks.cache_clear()


async def test_limits_fail_open_by_default_and_closed_when_asked(
    app, client, session, clock, rate_limits, monkeypatch
):
    await make_contest(session)
    real = app.state.redis
    app.state.redis = redis_module.create_client("redis://127.0.0.1:1/0")
    try:
        opened = await client.post("/api/v1/contests/thu/participants", json=body())
        monkeypatch.setattr(rate_limits, "rate_limit_fail_open", False)
        closed = await client.post("/api/v1/contests/thu/participants", json=body())
    finally:
        app.state.redis = real
    assert opened.status_code == 201
    assert closed.status_code == 503 and closed.json()["error"]["code"] == "rate_limit_unavailable"


async def test_gcra_lets_a_burst_through_then_one_per_interval(app, rate_limits, monkeypatch):
    monkeypatch.setattr(rate_limits, "limit_start_ip", "4/second")
    redis = app.state.redis
    for _ in range(4):
        await ratelimit.enforce(redis, "start_ip", "203.0.113.9")
    with pytest.raises(AppError) as refused:
        await ratelimit.enforce(redis, "start_ip", "203.0.113.9")
    assert refused.value.status == 429
    await asyncio.sleep(0.3)  # one interval (250 ms) later, exactly one more gets through
    await ratelimit.enforce(redis, "start_ip", "203.0.113.9")
    with pytest.raises(AppError):
        await ratelimit.enforce(redis, "start_ip", "203.0.113.9")


def test_limits_are_written_as_count_per_period():
    assert ratelimit.parse("60/minute") == ratelimit.Rule(60, 60)
    assert ratelimit.parse(" 5 / hour ") == ratelimit.Rule(5, 3600)
    with pytest.raises(ValueError):
        ratelimit.parse("60 per minute")
