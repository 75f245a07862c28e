"""HotRoute serves only what it understands; anything else is refused when the route is built."""

from typing import Annotated

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel

from app.hotroute import HotRoute


class Body(BaseModel):
    text: str


calls: list[str] = []


async def needs_request(request: Request) -> str:
    calls.append("caller")
    return "caller"


async def nested(item: int, who: Annotated[str, Depends(needs_request)]) -> str:
    return f"{who}/{item}"


async def needs_more(request: Request, token: str) -> str:
    return token


def build(endpoint, **route) -> None:  # noqa: ANN001
    APIRouter(route_class=HotRoute).add_api_route("/x/{item}", endpoint, methods=["POST"], **route)


async def served(
    item: int,
    body: Body,
    who: Annotated[str, Depends(needs_request)],
    path: Annotated[str, Depends(nested)],
    times: Annotated[int, Query(ge=1, le=3)] = 1,
) -> Body:
    return Body(text=f"{who} {path} {body.text * times}")


async def test_a_request_dependency_a_path_id_and_one_body_are_served():
    router = APIRouter(route_class=HotRoute)
    router.add_api_route("/x/{item}", served, methods=["POST"], status_code=201)
    app = FastAPI()
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as client:
        calls.clear()
        ok = await client.post("/x/7?times=2", json={"text": "đúng"})
        assert calls == ["caller"]  # a dependency used twice runs once per request
        wrong = await client.post("/x/seven?times=9", json={"text": 1})
    assert ok.status_code == 201 and ok.json() == {"text": "caller caller/7 đúngđúng"}
    assert wrong.status_code == 422
    located = {tuple(e["loc"]) for e in wrong.json()["detail"]}
    assert located == {("path", "item"), ("query", "times"), ("body", "text")}


KINDS = ["two bodies", "deep dependency", "dependency with yield", "query list", "router deps"]


@pytest.mark.parametrize("kind", KINDS)
def test_anything_else_is_refused(kind):
    async def two_bodies(item: int, first: Body, second: Body) -> Body:
        return first

    async def deep_dependency(item: int, who: Annotated[str, Depends(needs_more)]) -> Body:
        return Body(text=who)

    async def query_list(item: int, tags: list[str]) -> Body:
        return Body(text=",".join(tags))

    async def with_yield(request: Request):  # noqa: ANN202
        yield "session"

    async def yielding(item: int, session: Annotated[str, Depends(with_yield)]) -> Body:
        return Body(text=session)

    endpoints = {"two bodies": two_bodies, "deep dependency": deep_dependency}
    endpoints |= {"dependency with yield": yielding}
    endpoints |= {"query list": query_list, "router deps": served}
    extra = {"dependencies": [Depends(needs_request)]} if kind == "router deps" else {}
    with pytest.raises(TypeError):
        build(endpoints[kind], **extra)
