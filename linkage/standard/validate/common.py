"""Shared limits, patterns and helpers of the validator's rule families."""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager

from ..layouts import T_DATE, T_DEC, T_FLAGS31, T_INT, T_PHONE, T_POSTAL, T_TEXT, T_TIME, T_YM

MAX_PER_RULE = 50  # findings of one rule per file before they are summarised

_DIGITS = re.compile(r"[0-9]+")
_ALNUM = re.compile(r"[0-9A-Za-z]+")
_INT = re.compile(r"-?[0-9]+")
_DEC = re.compile(r"[0-9]{1,2}\.[0-9]{2}")
_POSTAL = re.compile(r"[0-9]{3}-[0-9]{4}")
_PHONE = re.compile(r"[0-9()\-+ ]+")
_FLAGS31 = re.compile(r"[01]{31}")
_EQUIPMENT_CODE = re.compile(r"[0-9A-Za-z\-－]+")
_SUBTOTAL = re.compile(r"([0-9A-Z]{2})(AAAA|EEEE|ZZZZ)")
_PUA = re.compile("[\ue000-\uf8ff]")
TOTAL_SERVICE_CODE = "999999"
TOTAL_OFFICE = "9999999999"

_TYPE_EXPECT = {
    T_YM: "西暦の年月6桁（YYYYMM、例: 202504）",
    T_DATE: "西暦の日付8桁（YYYYMMDD、例: 20250401）",
    T_TIME: "時刻4桁（HHMM、例: 0930）",
    T_INT: "半角数字の整数",
    T_DEC: "99.99形式の数値（例: 10.21）",
    T_POSTAL: "郵便番号（XXX-XXXX）",
    T_PHONE: "電話番号",
    T_FLAGS31: "0/1の31文字",
    T_TEXT: "内容",
}


def _codes_text(values) -> str:
    return "、".join(f"{k}:{v}" for k, v in values.items())


@contextmanager
def _gc_paused():
    """Pause the cyclic garbage collector while a file's rows are built: they are lists of str
    (no reference cycles), and with a large heap its repeated full passes cost more than the
    reading itself. Reference counting still frees everything as usual."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
