"""Errors the API and pages report: a machine code and a Vietnamese message."""

from __future__ import annotations


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
