"""Pure rules about people: phone numbers, names, masking, participant tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass

# Vietnamese mobile numbers: 0 + 9 digits, networks 03x, 05x, 07x, 08x, 09x.
_MOBILE = re.compile(r"0[35789]\d{8}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def normalise_phone(raw: str) -> str | None:
    """'+84 912.345.678' -> '0912345678'; None when it is not a Vietnamese mobile number."""
    digits = re.sub(r"[\s.\-()]", "", raw or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits if _MOBILE.fullmatch(digits) else None


def clean_name(raw: str) -> str:
    """NFC, single spaces, no control characters."""
    text = _CONTROL.sub("", unicodedata.normalize("NFC", raw or ""))
    return " ".join(text.split())


def mask_name(full_name: str) -> str:
    """'Nguyễn Văn An' -> 'Nguyễn V. A.': the family name and initials, as boards publish."""
    words = clean_name(full_name).split()
    if not words:
        return ""
    return " ".join([words[0], *(word[0].upper() + "." for word in words[1:])])


def mask_phone(phone: str) -> str:
    """'0912345678' -> '0912***678'."""
    return phone[:4] + "***" + phone[-3:] if len(phone) >= 7 else "***"


@dataclass(frozen=True)
class TokenClaims:
    participant_id: int
    contest_id: int


def sign(secret: str, payload: str) -> str:
    """An HMAC-SHA256 signature of `payload`, URL-safe; prefix the payload with its purpose."""
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode().rstrip("=")


def issue_token(secret: str, claims: TokenClaims) -> str:
    """A stateless bearer token: any worker can check it without the database."""
    payload = f"p{claims.participant_id}.c{claims.contest_id}"
    return f"{payload}.{sign(secret, 'participant:' + payload)}"


def read_token(secret: str, token: str) -> TokenClaims | None:
    """The claims of a genuine token, or None for a forged or malformed one."""
    match = re.fullmatch(r"p(\d{1,12})\.c(\d{1,12})\.([A-Za-z0-9_-]{32})", token or "")
    if not match:
        return None
    payload = f"p{match[1]}.c{match[2]}"
    if not hmac.compare_digest(sign(secret, "participant:" + payload), match[3]):
        return None
    return TokenClaims(participant_id=int(match[1]), contest_id=int(match[2]))


_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def _base32(number: int) -> str:
    digits = ""
    while True:
        number, digit = divmod(number, 32)
        digits = _BASE32[digit] + digits
        if not number:
            return digits.rjust(4, "A")


def receipt_code(secret: str, attempt_id: int) -> str:
    """The mã xác nhận of a final attempt: its id, then a signature of it. Unique by
    construction (no collision however many attempts), unforgeable, short."""
    digest = hmac.new(secret.encode(), f"receipt:{attempt_id}".encode(), hashlib.sha256).digest()
    signature = base64.b32encode(digest[:5]).decode()[:6]
    return f"{_base32(attempt_id)}-{signature}"
