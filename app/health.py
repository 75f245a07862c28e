"""GET /healthz: the database decides liveness; Redis down only degrades."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.redis import is_up

router = APIRouter()


@router.get("/healthz", include_in_schema=False)
async def healthz(request: Request) -> JSONResponse:
    """Reports the database and Redis; 503 only when the database is unreachable."""
    database_ok = True
    try:
        async with request.app.state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        database_ok = False
    redis_ok = await is_up(request.app.state.redis)
    status = "ok" if database_ok and redis_ok else ("degraded" if database_ok else "down")
    body = {
        "status": status,
        "database": "ok" if database_ok else "down",
        "redis": "ok" if redis_ok else "down",
        "redis_mode": "embedded" if request.app.state.embedded_redis else "server",
    }
    return JSONResponse(body, status_code=200 if database_ok else 503)
