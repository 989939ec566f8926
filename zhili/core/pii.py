"""Personal data is shown masked by default (138****5678, 5111**********1234)."""

from __future__ import annotations

import re

PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,19}$")
ID_NUMBER = re.compile(r"^[1-9][0-9]{16}[0-9Xx]$")


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    digits = value.replace(" ", "").replace("-", "")
    if len(digits) <= 7:
        return digits[:1] + "*" * (len(digits) - 1)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


MASKERS = {"phone": mask_phone, "id_number": mask_id_number}


def mask(kind: str, value: str | None) -> str:
    return MASKERS[kind](value)


def valid_id_number(value: str) -> bool:
    """GB 11643-1999: 17 digits and a checksum (0-9 or X)."""
    if not ID_NUMBER.match(value):
        return False
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(value[:17], weights, strict=True))
    return "10X98765432"[total % 11] == value[17].upper()
