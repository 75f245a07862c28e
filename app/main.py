"""The FastAPI application: lifespan, routers, error pages. Nothing imports this module."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import maintenance
from app import redis as redis_module
from app.admin import contests as admin_contests
from app.admin import exports as admin_exports
from app.admin import posters as admin_posters
from app.admin import stats as admin_stats
from app.admin import units as admin_units
from app.admin import views as admin_views
from app.admin.deps import LoginRequired
from app.admission import WriteAdmission
from app.attempts import api as attempt_api
from app.attempts import views as attempt_views
from app.config import settings
from app.contests import api as contest_api
from app.contests import views as contest_views
from app.db import autocommit, create_engine, session_factory
from app.errors import AppError
from app.health import router as health_router
from app.hotdb import hot_database
from app.participants import api as participant_api
from app.participants import views as participant_views
from app.security import BodySizeLimitMiddleware, SecurityHeadersMiddleware
from app.web import STATIC_DIR, templates

log = logging.getLogger("cuocthi")

ERROR_MESSAGES = {
    400: "Yêu cầu không hợp lệ.",
    401: "Bạn cần đăng nhập lại.",
    403: "Bạn không có quyền truy cập trang này.",
    404: "Không tìm thấy trang bạn yêu cầu.",
    405: "Thao tác không được hỗ trợ.",
    413: "Dữ liệu gửi lên quá lớn.",
    422: "Dữ liệu gửi lên không hợp lệ.",
    429: "Bạn thao tác quá nhanh, vui lòng thử lại sau ít phút.",
    500: "Hệ thống đang gặp sự cố, vui lòng thử lại sau.",
}


GC_THRESHOLDS = (20_000, 20, 20)  # Python's default: (700, 10, 10)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Engine and Redis live as long as the process and are handed out by dependencies."""
    app.state.engine = create_engine()
    app.state.sessions = session_factory(app.state.engine)
    app.state.autocommit = autocommit(app.state.engine)
    app.state.hot = hot_database(app.state.engine)
    app.state.redis = redis_module.create_client()
    app.state.embedded_redis = settings.embedded_redis
    await maintenance.catch_up(app)  # an embedded or restarted Redis starts empty
    background = asyncio.create_task(maintenance.run_forever(app))
    # Everything loaded so far lives as long as the process: keep the cyclic collector off
    # it, and let it run less often (requests make short-lived objects by the thousand).
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        yield
    finally:
        background.cancel()
        await app.state.redis.aclose()
        await app.state.hot.close()
        await app.state.engine.dispose()


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, status: int, code: str, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    message = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else None
    message = message or ERROR_MESSAGES.get(exc.status_code, ERROR_MESSAGES[400])
    response = _error_response(request, exc.status_code, f"http_{exc.status_code}", message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def login_required(request: Request, exc: LoginRequired) -> Response:
    target = quote(str(request.url.path))
    return RedirectResponse(f"/admin/dang-nhap?next={target}", status_code=303)


async def app_error(request: Request, exc: AppError) -> Response:
    if _wants_json(request):
        response: Response = JSONResponse(exc.body(), status_code=exc.status)
    else:
        response = _error_response(request, exc.status, exc.code, exc.message)
    response.headers.update(exc.headers)
    return response


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    fields = {
        ".".join(str(part) for part in error["loc"][1:]) or "body": _field_message(error)
        for error in exc.errors()
    }
    error = AppError(422, "invalid_input", ERROR_MESSAGES[422], fields=fields)
    return await app_error(request, error)


# What the registration fields say when they are out of shape, wherever they are sent from.
FIELD_MESSAGES = {
    "full_name": "Vui lòng nhập họ và tên (từ 2 đến 120 ký tự).",
    "phone": "Số điện thoại không hợp lệ: cần số di động Việt Nam gồm 10 chữ số.",
    "birth_year": "Năm sinh phải trong khoảng 1900 đến năm hiện tại.",
    "unit_code": "Vui lòng chọn đơn vị trong danh sách.",
    "group": "Vui lòng chọn đối tượng dự thi.",
    "consent": "Bạn cần đồng ý với việc xử lý dữ liệu cá nhân để tham gia dự thi.",
    "prediction": "Số dự đoán phải là số nguyên từ 0 đến 100.000.000.",
}


def _field_message(error: dict) -> str:
    kind = error.get("type", "")
    field = str(error["loc"][-1]) if error.get("loc") else ""
    if field in FIELD_MESSAGES and kind != "missing":
        return FIELD_MESSAGES[field]
    if kind == "missing":
        return "Thiếu thông tin bắt buộc."
    if kind.startswith(("int", "bool", "float")):
        return "Giá trị phải là số." if not kind.startswith("bool") else "Giá trị phải là đúng/sai."
    if "too_long" in kind:
        return "Giá trị quá dài."
    if "too_short" in kind:
        return "Giá trị quá ngắn."
    if kind.startswith(("greater_than", "less_than")):
        return "Giá trị nằm ngoài khoảng cho phép."
    if kind == "json_invalid":
        return "Dữ liệu JSON không hợp lệ."
    return "Giá trị không hợp lệ."


async def unexpected_error(request: Request, exc: Exception) -> Response:
    # Logged with its trace here; the client sees a plain message, never a trace or SQL.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return _error_response(request, 500, "server_error", ERROR_MESSAGES[500])


def create_app() -> FastAPI:
    app = FastAPI(
        title="Cuộc thi CCHC",
        summary="API của nền tảng Cuộc thi tìm hiểu về cải cách hành chính",
        version="1",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI needs a CDN and inline scripts; /openapi.json stays
        redoc_url=None,
    )
    # The last added runs first: the body limit applies before admission buffers a body.
    app.add_middleware(WriteAdmission, max_writes=settings.max_concurrent_writes)
    app.add_middleware(
        BodySizeLimitMiddleware, max_bytes=256 * 1024, upload_max_bytes=6 * 1024 * 1024
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(AppError, app_error)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(Exception, unexpected_error)
    # Routes are matched in order, one by one: the participants' hot paths come first.
    for hot in (attempt_api, contest_api, attempt_views, contest_views):
        app.include_router(hot.hot_router)
    for api in (attempt_api, participant_api, contest_api):
        app.include_router(api.router)
    for pages in (attempt_views, contest_views, participant_views):
        app.include_router(pages.router)
    app.include_router(health_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(admin_views.public)
    app.include_router(admin_views.router)
    app.include_router(admin_contests.router)
    app.include_router(admin_units.router)
    app.include_router(admin_stats.router)
    app.include_router(admin_exports.router)
    app.include_router(admin_posters.router)
    return app


app = create_app()
