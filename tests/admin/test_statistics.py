"""Statistics pages read the live counters: per unit, per block, by group, collective prizes."""

from app.stats import collective
from app.stats.units import UnitStat, block_totals, sort_stats
from tests.admin.helpers import create_organiser, sign_in
from tests.factories import make_contest, register, right_answers


async def play(client, auth, correct_all=True):
    body = (await client.post("/api/v1/contests/thu/attempts", headers=auth)).json()
    answers = right_answers(body) if correct_all else {}
    await client.post(
        f"/api/v1/attempts/{body['attempt_id']}/submit",
        headers=auth,
        json={"answers": answers, "prediction": 1},
    )


async def test_per_unit_page_shows_rates_and_highlights_units_below_target(client, session, clock):
    await make_contest(session)  # XH headcount 40, SNV headcount 100
    for n in range(3):
        _, auth = await register(client, unit="XH", name=f"Xã Viên {n}")
        await play(client, auth, correct_all=n == 0)
    _, auth = await register(client, unit="SNV", group="nguoi-dan")
    await play(client, auth)
    await create_organiser(session)
    await sign_in(client)
    page = (await client.get("/admin/cuoc-thi/thu/thong-ke", params={"muc_tieu": 5})).text
    assert "UBND xã Xuân Hưng" in page and "7.5%" in page  # 3 of 40
    assert page.count('class="below-target"') == 1  # Sở Nội vụ: 1 of 100 = 1%
    assert "Khối" in page and "Tổng cộng" in page
    assert "<svg" in page and "Phân bố điểm" in page
    by_group = (
        await client.get("/admin/cuoc-thi/thu/thong-ke", params={"doi_tuong": "nguoi-dan"})
    ).text
    assert "1.0%" in by_group and "7.5%" not in by_group


async def test_unit_organisers_see_only_their_units(client, session, clock):
    await make_contest(session)
    await create_organiser(session, username="snv", role="don-vi", unit_code="SNV")
    await sign_in(client, username="snv")
    page = (await client.get("/admin/cuoc-thi/thu/thong-ke")).text
    assert "Sở Nội vụ" in page and "UBND xã Xuân Hưng" not in page


def stat(code, headcount, participants):
    return UnitStat(
        code=code, name=code, block="cap-xa", headcount=headcount, participants=participants
    )


def test_collective_rules():
    small, big, empty = stat("A", 20, 15), stat("B", 200, 90), stat("C", 0, 5)
    stats = [small, big, empty]
    assert [r.stat.code for r in collective.rank_units(stats, "rate", {})] == ["A", "B"]
    assert [r.stat.code for r in collective.rank_units(stats, "count", {})] == ["B", "A", "C"]
    # A small unit needs 80%: 75% is not enough; a big one needs 40%: 45% is.
    assert [r.stat.code for r in collective.rank_units(stats, "rate_min", {})] == ["B"]
    assert [r.stat.code for r in collective.rank_units(stats, "rate_points", {"B": 7})] == [
        "B",
        "A",
    ]


def test_block_totals_and_sorting():
    stats = [stat("A", 20, 15), stat("B", 200, 90), UnitStat("C", "C", "hanh-chinh", 0)]
    totals = {t.block: t for t in block_totals(stats)}
    assert totals["cap-xa"].participants == 105 and totals["all"].headcount == 220
    assert [s.code for s in sort_stats(stats, "rate", True)] == ["A", "B", "C"]
