from contextlib import contextmanager

from sqlalchemy.ext.asyncio import create_async_engine

from app import redis as redis_module


async def test_healthz_reports_database_and_redis(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok" and body["redis"] == "ok"


@contextmanager
def replaced_state(app, name, value):
    """Swaps one of the app's lifespan objects for the length of a block."""
    original = getattr(app.state, name)
    setattr(app.state, name, value)
    try:
        yield value
    finally:
        setattr(app.state, name, original)


async def test_healthz_stays_200_when_redis_is_down(app, client):
    with replaced_state(app, "redis", redis_module.create_client("redis://127.0.0.1:1/0")):
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["redis"] == "down"


async def test_healthz_is_503_when_database_is_down(app, client):
    unreachable = create_async_engine("postgresql+asyncpg://nobody@127.0.0.1:1/none")
    with replaced_state(app, "engine", unreachable):
        response = await client.get("/healthz")
    await unreachable.dispose()
    assert response.status_code == 503
    assert response.json()["database"] == "down"


async def test_every_response_carries_security_headers(client):
    response = await client.get("/")
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
