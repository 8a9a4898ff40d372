"""Windows-31J (MS932, Python codec ``cp932``) character handling.

A character is *safe* when ``cp932`` encodes it and decodes it back to the same character,
and it is not a user-defined character (外字, private use U+E000–F8FF) nor a control
character other than TAB/CR/LF. Python's ``cp932`` silently maps a few characters one way
(U+301C WAVE DASH → 0x8160 → U+FF5E, U+2212 → U+FF0D, ...); those count as unsafe so that the
change is reported instead of happening behind the caller's back.

:func:`sanitize` turns any string into a safe one and lists every replacement.
NEC/IBM extension characters (①, ㈱, Ⅱ, 髙, 﨑, ...) are safe and kept.
"""

from __future__ import annotations

import re
import unicodedata

ENCODING = "cp932"
GETA = "〓"  # U+3013, the conventional mark for a character that cannot be shown


def _one_way_chars() -> str:
    out = []
    for cp in range(0x80, 0x10000):
        if 0xD800 <= cp < 0xF900:  # surrogates and the private use area (handled separately)
            continue
        c = chr(cp)
        try:
            if c.encode(ENCODING).decode(ENCODING) != c:
                out.append(c)
        except UnicodeEncodeError:
            pass
    return "".join(out)


_ONE_WAY = _one_way_chars()
#: Characters that are unsafe even though ``str.encode('cp932')`` accepts them.
UNSAFE_ENCODABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000-\uf8ff" + re.escape(_ONE_WAY) + "]")

#: Known equivalents. The value must be safe (checked at import time). "" means "drop".
VARIANTS: dict[str, str] = {
    # Unicode vs MS932 mapping differences (JIS X 0208 round-trip issues)
    "\u301c": "\uff5e",  # 〜 WAVE DASH → ～
    "\u2212": "\uff0d",  # − MINUS SIGN → －
    "\u2016": "\u2225",  # ‖ → ∥
    "\u2014": "\u2015",  # — EM DASH → ―
    "\u00a2": "\uffe0",  # ¢ → ￠
    "\u00a3": "\uffe1",  # £ → ￡
    "\u00ac": "\uffe2",  # ¬ → ￢
    "\u00a6": "\uffe4",  # ¦ → ￤
    "\u203e": "\uffe3",  # ‾ → ￣
    "\u00a5": "\uffe5",  # ¥ → ￥
    "\u2013": "-",  # – EN DASH
    "\u2022": "・",  # • BULLET
    "\u00b7": "・",  # · MIDDLE DOT
    "\u00a0": " ",  # NO-BREAK SPACE
    # Well-known ideographs outside JIS X 0208 / MS932 and their common substitutes
    "\U00020bb7": "吉",  # 𠮷 (つちよし)
    "\U0002123d": "土",  # 𡈽
    "\U0002363a": "橋",  # 𣘺
    "\U0002550e": "碕",  # 𥔎
    "\u6805": "柵",  # 栅 (simplified) → 柵
    "\u5861": "填",  # 塡 → 填
    "\u9dd7": "鴎",  # 鷗 → 鴎
    # Invisible characters that only modify the previous one
    "\u200d": "",  # ZERO WIDTH JOINER
    "\u200b": "",  # ZERO WIDTH SPACE
    "\ufe0e": "",  # VARIATION SELECTOR-15
    "\ufe0f": "",  # VARIATION SELECTOR-16
    "\ufeff": "",  # BOM / ZWNBSP inside text
}


def is_safe(ch: str) -> bool:
    if UNSAFE_ENCODABLE.match(ch):
        return False
    try:
        ch.encode(ENCODING)
    except UnicodeEncodeError:
        return False
    return True


# Drop table entries that are not needed (the source is safe) or not usable (target unsafe).
for _k in list(VARIANTS):
    if is_safe(_k) or any(not is_safe(c) for c in VARIANTS[_k]):
        del VARIANTS[_k]
del _k


def _is_droppable(ch: str) -> bool:
    cp = ord(ch)
    return (
        0xFE00 <= cp <= 0xFE0F  # variation selectors
        or 0xE0100 <= cp <= 0xE01EF  # ideographic variation selectors (IVS)
        or 0x1F3FB <= cp <= 0x1F3FF  # emoji skin tone modifiers
        or 0xE0000 <= cp <= 0xE007F  # tags
        or unicodedata.category(ch) == "Cf"  # other invisible format characters
    )


def replacement_for(ch: str, prev: str = "") -> str:
    """Safe replacement for one unsafe character (may be "" for invisible modifiers)."""
    if ch in VARIANTS:
        return VARIANTS[ch]
    if 0xE000 <= ord(ch) <= 0xF8FF:
        return GETA  # 外字: no way to know what it showed
    if unicodedata.category(ch) == "Cc":
        return ""
    if _is_droppable(ch):
        return ""
    for form in ("NFKC", "NFC"):
        cand = unicodedata.normalize(form, ch)
        if cand != ch and cand and all(is_safe(c) for c in cand):
            return cand
    # Decomposed (e.g. base + combining mark): try composing with the previous character.
    if prev and unicodedata.combining(ch):
        composed = unicodedata.normalize("NFC", prev + ch)
        if len(composed) == 1 and is_safe(composed):
            return "\x00COMPOSE" + composed
        return ""
    return GETA


def sanitize(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Return ``(safe_text, [(original, replacement), ...])``.

    Fast path: text that encodes cleanly is returned unchanged with an empty list.
    """
    if not UNSAFE_ENCODABLE.search(text):
        try:
            text.encode(ENCODING)
            return text, []
        except UnicodeEncodeError:
            pass
    out: list[str] = []
    repl: list[tuple[str, str]] = []
    joined = False  # previous char was a ZERO WIDTH JOINER: an emoji sequence becomes one 〓
    for ch in text:
        if is_safe(ch):
            out.append(ch)
            joined = False
            continue
        r = replacement_for(ch, out[-1] if out else "")
        if joined and r == GETA and out and out[-1] == GETA:
            r = ""
        joined = ch == "\u200d"
        if r.startswith("\x00COMPOSE"):
            composed = r[len("\x00COMPOSE") :]
            base = out.pop()
            repl.append((base + ch, composed))
            out.append(composed)
            continue
        repl.append((ch, r))
        if r:
            out.append(r)
    return "".join(out), repl


def first_unsafe(text: str) -> str | None:
    """The first unsafe character of ``text``, or None."""
    m = UNSAFE_ENCODABLE.search(text)
    if m is None:
        try:
            text.encode(ENCODING)
            return None
        except UnicodeEncodeError as e:
            return text[e.start]
    pos = m.start()
    try:
        text[:pos].encode(ENCODING)
    except UnicodeEncodeError as e:
        return text[e.start]
    return m.group()
