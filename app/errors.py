"""Errors the API and pages report: a machine code and a Vietnamese message."""

from __future__ import annotations

from pydantic import BaseModel


class AppError(Exception):
    """A refusal a user should read: 4xx with a code and a message in Vietnamese."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        fields: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.fields = fields or {}

    def body(self) -> dict[str, object]:
        error: dict[str, object] = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return {"error": error}


def not_found(what: str = "Không tìm thấy dữ liệu bạn yêu cầu.") -> AppError:
    return AppError(404, "not_found", what)


def unauthorized(
    message: str = "Phiên dự thi không hợp lệ hoặc đã hết hạn, vui lòng đăng nhập lại.",
) -> AppError:
    return AppError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, str] | None = None


class ErrorOut(BaseModel):
    """Every refusal of the API: a machine code and a Vietnamese message."""

    error: ErrorDetail


def _described(text: str) -> dict[str, object]:
    return {"model": ErrorOut, "description": text}


# Documented on every API router, so that clients (and schemathesis) know every answer.
API_ERRORS: dict[int | str, dict[str, object]] = {
    400: _described("Yêu cầu hỏng (JSON hoặc bảng mã không đọc được)"),
    401: _described("Thiếu, sai hoặc hết hạn token"),
    403: _described("Không có quyền"),
    404: _described("Không tìm thấy"),
    409: _described("Xung đột trạng thái (đợt thi chưa mở, bài đã nộp…)"),
    413: _described("Dữ liệu quá lớn"),
    422: _described("Dữ liệu không hợp lệ"),
    429: _described("Quá nhiều yêu cầu hoặc hết lượt thi"),
    503: _described("Tạm thời không phục vụ được (bảng xếp hạng đang cập nhật)"),
}


def leaderboard_updating() -> AppError:
    """Redis is unreachable: boards are refilled from the database once it is back."""
    return AppError(
        503, "leaderboard_updating", "Bảng xếp hạng đang cập nhật.", headers={"Retry-After": "30"}
    )
