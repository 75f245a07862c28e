"""Organiser accounts: passwords, sessions, CSRF, lockout, roles, the audit log."""

import pytest
from sqlmodel import select

from app.admin import auth
from app.models import AuditEntry
from tests.admin.helpers import PASSWORD, create_organiser, csrf, sign_in
from tests.factories import make_contest


async def test_passwords_are_argon2_hashes(session):
    organiser = await create_organiser(session)
    assert organiser.password_hash.startswith("$argon2")
    assert PASSWORD not in organiser.password_hash


async def test_console_needs_a_session(client):
    response = await client.get("/admin")
    assert response.status_code == 303 and response.headers["location"].startswith(
        "/admin/dang-nhap"
    )


async def test_login_sets_a_strict_httponly_cookie_and_opens_the_console(client, session, clock):
    await make_contest(session)
    await create_organiser(session)
    response = await sign_in(client)
    assert response.status_code == 303
    cookie = [
        c for c in response.headers.get_list("set-cookie") if c.startswith("cuocthi_quantri")
    ][0]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    dashboard = await client.get("/admin")
    assert "Cuộc thi thu" in dashboard.text


async def test_every_form_needs_the_csrf_token(client, session):
    await create_organiser(session)
    await sign_in(client)
    refused = await client.post("/admin/dang-xuat", data={})
    assert refused.status_code == 403
    forged = await client.post("/admin/dang-xuat", data={"csrf": "x" * 32})
    assert forged.status_code == 403
    accepted = await client.post("/admin/dang-xuat", data={"csrf": await csrf(client)})
    assert accepted.status_code == 303


async def test_login_form_itself_needs_its_token(client, session):
    await create_organiser(session)
    response = await client.post(
        "/admin/dang-nhap", data={"username": "quantri", "password": PASSWORD, "csrf": "x"}
    )
    assert response.status_code == 403 and "cuocthi_quantri" not in response.headers.get(
        "set-cookie", ""
    )


async def test_a_fresh_session_value_at_each_login(client, session):
    await create_organiser(session)
    first = (await sign_in(client)).cookies["cuocthi_quantri"]
    second = (await sign_in(client)).cookies["cuocthi_quantri"]
    assert first != second


async def test_logout_everywhere_ends_other_sessions(client, session):
    await create_organiser(session)
    stolen = (await sign_in(client)).cookies["cuocthi_quantri"]
    await client.post("/admin/dang-xuat", data={"csrf": await csrf(client), "everywhere": "1"})
    client.cookies.set("cuocthi_quantri", stolen)
    assert (await client.get("/admin")).status_code == 303


async def test_repeated_failures_slow_down_then_lock(client, session, monkeypatch, clock):
    await create_organiser(session)
    delays = []

    async def no_wait(seconds):
        delays.append(seconds)

    monkeypatch.setattr(auth.asyncio, "sleep", no_wait)
    for _ in range(auth.LOCK_AFTER):
        failed = await sign_in(client, password="sai-mat-khau")
        assert failed.status_code == 401 and "không đúng" in failed.text
    assert delays == [1, 2, 4, 8, 8, 8, 8]
    locked = await sign_in(client)  # even the right password, while locked
    assert locked.status_code == 423 and "tạm khoá" in locked.text
    clock.advance(minutes=auth.LOCK_MINUTES + 1)
    assert (await sign_in(client)).status_code == 303


async def test_unknown_user_and_wrong_password_read_the_same(client, session):
    await create_organiser(session)
    unknown = await sign_in(client, username="khong-co")
    wrong = await sign_in(client, password="sai-mat-khau")
    assert unknown.status_code == wrong.status_code == 401
    assert auth.LOGIN_FAILED in unknown.text and auth.LOGIN_FAILED in wrong.text


async def test_unit_accounts_cannot_set_contests_up(client, session, clock):
    await make_contest(session)
    await create_organiser(session, username="xaxh", role="don-vi", unit_code="XH")
    await sign_in(client, username="xaxh")
    assert (await client.get("/admin/cuoc-thi/moi")).status_code == 403
    assert (await client.get("/admin/nhat-ky")).status_code == 403
    page = await client.get("/admin/cuoc-thi/thu")
    assert page.status_code == 200 and "Thiết lập cuộc thi" not in page.text


async def test_changes_and_logins_are_in_the_audit_log(client, session):
    await create_organiser(session)
    await sign_in(client)
    entries = (await session.exec(select(AuditEntry))).all()
    assert {e.action for e in entries} >= {"login"}
    log = await client.get("/admin/nhat-ky")
    assert "login" in log.text and "quantri" in log.text


def test_weak_passwords_are_refused():
    with pytest.raises(Exception, match="ít nhất 10 ký tự"):
        auth.check_password_strength("ngan")
