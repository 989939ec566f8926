from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

import zhili


def platform(request: HttpRequest) -> dict[str, Any]:
    return {"zhili_version": zhili.__version__, "zhili_brand": settings.ZHILI_BRAND}
