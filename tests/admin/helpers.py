"""Signing organisers in through the real login form."""

from __future__ import annotations

import re

from app.admin import auth

PASSWORD = "mat-khau-du-dai-2026"


async def create_organiser(session, username="quantri", role="quan-tri", unit_code=None):  # noqa: ANN001, ANN201
    organiser = await auth.create_user(
        session=session, username=username, password=PASSWORD, role=role, unit_code=unit_code
    )
    await session.commit()
    return organiser


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html)[1]


async def sign_in(client, username="quantri", password=PASSWORD):  # noqa: ANN001, ANN201
    form = await client.get("/admin/dang-nhap")
    return await client.post(
        "/admin/dang-nhap",
        data={"username": username, "password": password, "csrf": csrf_of(form.text)},
    )


async def csrf(client, path="/admin") -> str:  # noqa: ANN001
    return csrf_of((await client.get(path)).text)
