"""GeoJSON (RFC 7946) geometries of non-site records: a Point (a place) or a LineString (a route)."""

from __future__ import annotations

import json
import math
from typing import Any

from api.errors import InvalidInput
from api.i18n import Text, tr

MAX_POSITIONS = 10_000
GEOMETRY_TYPES = ("Point", "LineString")


def _invalid(message: str | Text, field: str) -> InvalidInput:
    return InvalidInput(message, code="invalid_geometry", field=field)


def _position(value: Any, field: str) -> list[float]:
    """``[longitude, latitude]`` or ``[longitude, latitude, altitude]`` in WGS 84 degrees (and metres)."""
    if not isinstance(value, list) or len(value) not in (2, 3):
        raise _invalid(tr("A position is [longitude, latitude] or [longitude, latitude, altitude]."), field)
    numbers: list[float] = []
    for number in value:
        if isinstance(number, bool) or not isinstance(number, int | float) or not math.isfinite(number):
            raise _invalid(tr("Coordinates are finite numbers."), field)
        numbers.append(float(number))
    lon, lat = numbers[0], numbers[1]
    if not -180.0 <= lon <= 180.0:
        raise _invalid(tr("Longitude {lon} is outside -180…180 (GeoJSON is [longitude, latitude]).", lon=lon), field)
    if not -90.0 <= lat <= 90.0:
        raise _invalid(tr("Latitude {lat} is outside -90…90 (GeoJSON is [longitude, latitude]).", lat=lat), field)
    return numbers


def validate_geometry(value: Any, field: str = "geometry") -> dict[str, Any]:
    """Return the geometry reduced to ``type`` and ``coordinates``; raise ``InvalidInput`` naming ``field``."""
    if not isinstance(value, dict):
        raise _invalid(tr("The geometry is a GeoJSON object with 'type' and 'coordinates'."), field)
    kind = value.get("type")
    if kind not in GEOMETRY_TYPES:
        raise _invalid(
            tr("The geometry type must be Point or LineString, not {kind}.", kind=repr(kind)), f"{field}.type"
        )
    coordinates = value.get("coordinates")
    where = f"{field}.coordinates"
    if kind == "Point":
        return {"type": "Point", "coordinates": _position(coordinates, where)}
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        raise _invalid(tr("A LineString has at least two positions."), where)
    if len(coordinates) > MAX_POSITIONS:
        raise _invalid(tr("A LineString has at most {MAX_POSITIONS} positions.", MAX_POSITIONS=MAX_POSITIONS), where)
    return {"type": "LineString", "coordinates": [_position(p, where) for p in coordinates]}


def point(latitude: float, longitude: float) -> dict[str, Any]:
    return validate_geometry({"type": "Point", "coordinates": [longitude, latitude]})


def dumps(geometry: dict[str, Any]) -> str:
    return json.dumps(geometry, separators=(",", ":"))


def loads(text: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(text)
    return loaded
