"""A small, bounded load of participants that retries like a phone would (loopback only)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import httpx


@dataclass
class Tally:
    sent: int = 0
    confirmed: dict[int, str] = field(default_factory=dict)  # attempt id -> receipt
    errors: Counter = field(default_factory=Counter)
    unclear: list[str] = field(default_factory=list)  # failures without a Vietnamese message

    def line(self) -> str:
        kinds = ", ".join(f"{kind}: {n}" for kind, n in self.errors.most_common()) or "none"
        return f"sent {self.sent}, confirmed {len(self.confirmed)}, errors by kind: {kinds}"


async def _call(http: httpx.AsyncClient, tally: Tally, method: str, url: str, **kwargs):  # noqa: ANN003, ANN202
    """One request; a failure is counted by kind, and its body must explain it in Vietnamese."""
    tally.sent += 1
    try:
        response = await http.request(method, url, **kwargs)
    except httpx.HTTPError as error:
        tally.errors[type(error).__name__] += 1
        return None
    if response.status_code == 429 and "attempt_limit" in response.text:
        return response  # the contest's rule (two attempts per round), not a failure
    if response.status_code >= 400:
        tally.errors[str(response.status_code)] += 1
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = ""
        if not any(ch in message for ch in "ạảãáàâấầậăắằđệếềịọóòôốồơớờụúùưứừ"):
            tally.unclear.append(f"{method} {url} → {response.status_code}: {response.text[:80]}")
    return response


async def _until_ok(http, tally, deadline, method, url, ok=(200, 201), **kwargs):  # noqa: ANN001, ANN003, ANN202
    """Retries with backoff, as the quiz page does, until success or the deadline."""
    delay = 0.1
    while time.monotonic() < deadline + 30:  # allow the last flows to finish after a fault
        response = await _call(http, tally, method, url, **kwargs)
        if response is not None and response.status_code in ok:
            return response
        if response is not None and response.status_code in (409, 429) and method == "POST":
            return response
        await asyncio.sleep(delay)
        delay = min(delay * 2, 2.0)
    return None


async def _stream_of_people(http, base, slug, tally, deadline, lane):  # noqa: ANN001, ANN202
    """New participants one after another in this lane, so the load lasts until the deadline."""
    n = 0
    while time.monotonic() < deadline:
        await _participant(http, base, slug, tally, deadline, lane * 10_000 + n)
        n += 1


async def _participant(http, base, slug, tally, deadline, n):  # noqa: ANN001, ANN202
    phone = f"03{random.randrange(10**8):08d}"
    body = {
        "full_name": f"Người Chịu Lỗi {n}",
        "phone": phone,
        "birth_year": 1990,
        "unit_code": "XH",
        "group": "nguoi-dan",
        "consent": True,
    }
    registered = await _until_ok(
        http, tally, deadline, "POST", f"{base}/api/v1/contests/{slug}/participants", json=body
    )
    if registered is None:
        return
    if registered.status_code == 409:  # the first try was stored but its answer was lost
        registered = await _until_ok(
            http,
            tally,
            deadline,
            "POST",
            f"{base}/api/v1/contests/{slug}/participants/recover",
            ok=(200,),
            json={"phone": phone, "birth_year": 1990},
        )
        if registered is None:
            return
    auth = {"Authorization": f"Bearer {registered.json()['token']}"}
    while time.monotonic() < deadline:
        started = await _until_ok(
            http, tally, deadline, "POST", f"{base}/api/v1/contests/{slug}/attempts", headers=auth
        )
        if started is None or started.status_code not in (200, 201):
            return
        attempt = started.json()
        answers = {q["id"]: random.choice(q["options"])["id"] for q in attempt["questions"]}
        await _until_ok(
            http,
            tally,
            deadline,
            "PUT",
            f"{base}/api/v1/attempts/{attempt['attempt_id']}/answers",
            headers=auth,
            json={"answers": dict(list(answers.items())[:5])},
        )
        submitted = await _until_ok(
            http,
            tally,
            deadline,
            "POST",
            f"{base}/api/v1/attempts/{attempt['attempt_id']}/submit",
            ok=(200,),
            headers=auth,
            json={"answers": answers, "prediction": n},
        )
        if submitted is not None and submitted.status_code == 200:
            tally.confirmed[submitted.json()["attempt_id"]] = submitted.json()["receipt"]


async def run(base: str, slug: str, seconds: float, participants: int, fault) -> Tally:  # noqa: ANN001
    """`participants` concurrent flows for `seconds`; `fault()` is run a third of the way in."""
    tally = Tally()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=participants, max_keepalive_connections=participants)
    async with httpx.AsyncClient(timeout=10, limits=limits) as http:
        flows = [
            asyncio.create_task(_participant(http, base, slug, tally, deadline, n))
            for n in range(participants)
        ]
        await asyncio.sleep(seconds / 3)
        await asyncio.to_thread(fault)
        await asyncio.gather(*flows)
    return tally
