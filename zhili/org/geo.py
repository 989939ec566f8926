"""Boundaries (GeoJSON) and point → unit lookup.

Coordinates are longitude/latitude as given by the data source; the platform does not convert
between WGS-84 and GCJ-02, so boundaries and points must use the same datum.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import shapely
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

from zhili.core.errors import DomainError

POLYGONAL = {"Polygon", "MultiPolygon"}


def parse_boundary(value: Any) -> BaseGeometry | None:
    """A valid polygonal geometry from GeoJSON (a geometry or a Feature), or a DomainError."""
    if value in (None, "", {}):
        return None
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if not isinstance(value, dict) or value.get("type") not in POLYGONAL:
        raise DomainError("boundary_type", _("边界须为 GeoJSON 的 Polygon 或 MultiPolygon。"), field="boundary")
    try:
        geometry = shape(value)
    except Exception:
        raise DomainError("boundary_invalid", _("边界坐标格式不正确。"), field="boundary") from None
    if geometry.is_empty or not geometry.is_valid:
        raise DomainError("boundary_invalid", _("边界多边形无效（自相交或为空）。"), field="boundary")
    min_lon, min_lat, max_lon, max_lat = geometry.bounds
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise DomainError("boundary_range", _("边界坐标超出经纬度范围。"), field="boundary")
    return geometry


@lru_cache(maxsize=4096)
def prepared(unit_id: int, version: str, geojson: str) -> BaseGeometry:
    """Prepared geometry per unit and version, kept for the life of the process."""
    import json

    geometry = shape(json.loads(geojson))
    shapely.prepare(geometry)
    return geometry


def contains(unit_id: int, version: str, geojson: str, lon: float, lat: float) -> bool:
    return bool(prepared(unit_id, version, geojson).covers(Point(lon, lat)))
