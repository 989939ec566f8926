"""The words a query found, marked in what a result shows (escaped HTML with <mark>), with phone
and identity numbers in the text masked as everywhere else."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from zhili.core import pii

ID_NUMBER = re.compile(r"(?<![0-9Xx])[1-9]\d{16}[0-9Xx](?![0-9Xx])")
PHONE = re.compile(r"(?<!\d)(?:1\d{10}|0\d{2,3}-?\d{7,8})(?!\d)")
# Characters NFKC may change: all but ASCII, Han and the CJK punctuation that stays as it is.
UNUSUAL = re.compile("[^\x00-\x7f\u3001-\u3003\u3008-\u3011\u3400-\u4dbf\u4e00-\u9fff]")
SNIPPET = 90  # characters of a description shown around the first match


def masked(text: str) -> str:
    """The text with identity and phone numbers in it masked (5111**********1234, 138****5678)."""
    text = ID_NUMBER.sub(lambda found: pii.mask_id_number(found.group()), text)
    return PHONE.sub(lambda found: pii.mask_phone(found.group()), text)


def spans(text: str, words: Iterable[str]) -> list[tuple[int, int]]:
    """Where the words occur in the text, as NFKC and lowercase compare them (ＡＢＣ is abc), the
    longest first where they overlap; (start, end) in the text as it is."""
    words = sorted({word.lower() for word in words if word}, key=len, reverse=True)
    if not words or not text:
        return []
    normal, owner = _normalised(text)
    pattern = re.compile("|".join(re.escape(word) for word in words))
    found = [(m.start(), m.end()) for m in pattern.finditer(normal) if m.end() > m.start()]
    if owner is None:
        return found
    return [(owner[start], owner[end - 1] + 1) for start, end in found]


def _normalised(text: str) -> tuple[str, list[int] | None]:
    """The text as NFKC and lowercase, and for each of its characters the one of `text` it came
    from (None when they are the same: every character stayed one character)."""
    normal = UNUSUAL.sub(lambda found: _fold(found.group()), text).lower()
    if len(normal) == len(text):
        return normal, None
    owner: list[int] = []
    pieces: list[str] = []
    for index, char in enumerate(text):
        piece = _fold(char).lower()
        pieces.append(piece)
        owner.extend([index] * len(piece))
    return "".join(pieces), owner


@functools.lru_cache(maxsize=4096)
def _fold(char: str) -> str:
    return unicodedata.normalize("NFKC", char)


def marked(text: str, words: Iterable[str]) -> SafeString:
    """The text, escaped, with each occurrence of the words in <mark>."""
    return _mark(text, spans(text, words))


def snippet(text: str, words: Iterable[str], width: int = SNIPPET) -> SafeString:
    """About `width` characters of the (masked) text around the first word found, marked; the
    beginning when none is."""
    text = masked(" ".join(text.split()))
    found = spans(text, words)
    start = max(0, found[0][0] - width // 3) if found else 0
    end = min(len(text), start + width)
    start = max(0, min(start, end - width))
    inside = [(max(a, start) - start, min(b, end) - start) for a, b in found if a < end and b > start]
    html = _mark(text[start:end], inside)
    return mark_safe(("…" if start else "") + html + ("…" if end < len(text) else ""))  # noqa: S308 (escaped)


def _mark(text: str, found: list[tuple[int, int]]) -> SafeString:
    parts: list[str] = []
    last = 0
    for start, end in found:
        if start < last:
            continue
        parts.append(escape(text[last:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        last = end
    parts.append(escape(text[last:]))
    return mark_safe("".join(parts))  # noqa: S308 (every piece escaped)
