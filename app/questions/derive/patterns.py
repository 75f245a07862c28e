"""What a reference looks like in folded text: document kinds, symbols, dates, issuers, laws."""

from __future__ import annotations

import re

from app.questions.derive.text import _pattern

_KINDS = (
    ("Nghị quyết", r"ngh~{0,2}\s+quy~{0,2}t"),
    ("Nghị định", r"ngh~{0,2}\s+d~{0,2}nh"),
    ("Quyết định", r"quy~{0,2}t\s+d~{0,2}nh"),
    ("Chỉ thị", r"ch~\s+th~"),
    ("Thông tư", r"th~{1,2}ng\s+t~"),
    ("Thông báo", r"th~{1,2}ng\s+b~{1,2}o"),
    ("Kế hoạch", r"k~{1,3}\s+ho~{0,2}ch"),
    ("Kết luận", r"k~{1,2}t\s+lu~{1,2}n"),
    ("Hướng dẫn", r"h~{1,3}ng\s+d~{1,2}n"),
    ("Công văn", r"c~{1,2}ng\s+v~{1,2}n"),
    ("Văn bản", r"v~{1,2}n\s+b~{1,2}n"),
)
_KIND_ALTERNATIVES = "|".join(pattern for _, pattern in _KINDS)
# "76/NQ-CP", "118/2025/ND-CP", "57-NQ/TW", "66.7/2025/NQ-CP"; a symbol may wrap after a dash.
_NUMBER = (
    r"(?P<number>\d{1,4}(?:\.\d{1,2})?"
    r"(?:[-/](?:\s*-)?\s*(?:\d{4}|[A-Z][A-Za-z0-9]*))+)(?![\w/])"
)
_SO = r"(?:(?i:s[o6bde])\.?\s+)?"  # "số", read by OCR as "s6", "sb", "sé", "sd"
_REF_RE = _pattern(
    r"\b(?i:"
    + "|".join(f"(?P<k{i}>{p})" for i, (_, p) in enumerate(_KINDS))
    + r")\s+"
    + _SO
    + _NUMBER,
    0,
)
_PROJECT_RE = _pattern(r"\b[DPB](?i:~?\s+an)\s+(?P<number>\d{1,3})(?![\w/.-])", 0)  # "Đề án 06"
_LAW_RE = _pattern(r"\bL(?i:u~{0,2}t)\s+(?=[A-Z])", 0)
_LAW_STOP = _pattern(
    r"[;:.()“”\"]|\n[ \t]*\n|\s+s[o6bde]\s+\d|\s+n~{1,2}m\s+\d{4}|\s+ng~{1,2}y\s+\d"
    r"|\s+va\s+(?-i:[a-z])|,\s*lu~{0,2}t\b|\s+(?:cua|theo|tai)\s"
)
_LAW_NUMBER_RE = re.compile(r"\s+(?i:s[o6bde])\s+" + _NUMBER)
_DATE_RE = _pattern(
    r"[\s,]*ng~{1,2}y\s+(?:(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})"
    r"|(\d{1,2})\s+th~{1,3}ng\s+(\d{1,2})\s+n~{1,2}m\s+(\d{4}))"
)
_ISSUERS = (
    ("Chủ tịch UBND tỉnh", r"ch~\s+t~{1,2}ch\s+(?:ubnd|uy\s+ban\s+nhan\s+dan)\s+tinh"),
    ("Thủ tướng Chính phủ", r"th~{1,2}\s+t~{1,3}ng\s+ch~{1,2}nh\s+ph~{1,2}"),
    ("Ủy ban Thường vụ Quốc hội", r"uy\s+ban\s+th~{1,3}ng\s+v~\s+qu~{1,3}c\s+h~{1,2}i"),
    ("Quốc hội", r"qu~{1,3}c\s+h~{1,2}i"),
    ("Bộ Chính trị", r"b~{1,2}\s+ch~{1,2}nh\s+tr~"),
    ("Ban Chấp hành Trung ương", r"ban\s+ch~{1,2}p\s+h~{1,2}nh\s+trung\s+~{1,3}ng"),
    ("Ban Bí thư", r"ban\s+b~\s+th~"),
    (
        "Ban Chỉ đạo tổng kết việc thực hiện Nghị quyết số 18-NQ/TW của Chính phủ",
        r"ban\s+ch~\s+d~{1,2}o\s+t~{1,3}ng\s+k~{1,2}t\s+vi~{1,2}c\s+th~{1,2}c\s+hi~{1,2}n\s+"
        r"ngh~{0,2}\s+quy~{0,2}t\s+s~{1,2}\s+18-nq/tw\s+c~{0,2}a\s+ch~{1,2}nh\s+ph~{1,2}",
    ),
    ("Chính phủ", r"ch~{1,2}nh\s+ph~{1,2}"),
    ("UBND tỉnh", r"(?:uy\s+ban\s+nhan\s+dan|ubnd)(?:\s*\(ubnd\))?\s+tinh"),
    ("Bộ Nội vụ", r"b~{1,2}\s+n~{1,2}i\s+v~"),
)
_ISSUER_RE = _pattern(
    r"[\s,]*c~{0,2}a\s+(?:"
    + "|".join(f"(?P<i{i}>{p})" for i, (_, p) in enumerate(_ISSUERS))
    + r")(?!\w)"
)
_PROVINCES = {"ninh binh": "Ninh Bình", "cao bang": "Cao Bằng", "bac ninh": "Bắc Ninh"}
_PROVINCE_RE = _pattern(r"\s+(" + "|".join(p.replace(" ", r"\s+") for p in _PROVINCES) + r")\b")
# What a symbol's last part says about who may have issued it.
_ISSUER_BY_CODE = {
    "CP": ("Chính phủ",),
    "TTg": ("Thủ tướng Chính phủ",),
    "TW": ("Bộ Chính trị", "Ban Chấp hành Trung ương", "Ban Bí thư"),
}
_KNOWN_LAWS = (
    "Tổ chức Chính phủ",
    "Tổ chức chính quyền địa phương",
    "Phổ biến, giáo dục pháp luật",
    "Cán bộ, công chức",
    "Viên chức",
    "Ban hành văn bản quy phạm pháp luật",
)
_KIND_WORD = _pattern(r"(?:" + _KIND_ALTERNATIVES + r"|lu~{0,2}t|d~?\s+an)\b")
_AND_KIND = _pattern(r"\s+va\s+(?:" + _KIND_ALTERNATIVES + r"|lu~{0,2}t)\b")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_SUBJECT_OPENERS = ("về ", "ban hành ", "quy định ", "phê duyệt ", "sửa đổi", "hướng dẫn ")
_SUBJECT_TRAILER = re.compile(r"\s+(?:tại tỉnh|trên địa bàn tỉnh)$")
