"""Points on the map and the coordinate system they are in.

Maps in China (Tencent's, so WeChat's ``map`` component, ``wx.chooseLocation`` and
``wx.openLocation``) use GCJ-02, a datum shifted from GPS's WGS-84 by a few hundred metres
(about 570 m in Xiaoyi). ``wx.getLocation`` answers in WGS-84 unless asked for ``gcj02``.
A number pair means nothing without its system, so every point the API takes names it.

Venue points are stored in GCJ-02 (``STORED``): that is what the person posting a task picks on
a map, and what the mini-program shows it on, so the usual path converts nothing. WGS-84 is
converted to GCJ-02 with ``prcoords`` (public domain, a transcription of the published GCJ-02
formulas with the Krasovsky 1940 ellipsoid, the same as eviltransform and geoChina). Only that
direction is ever needed: it is the definition itself, exact, with no iteration. GCJ-02 is
defined only inside China; outside it (by prcoords' bounding box) it equals WGS-84, as map
providers do. This module imports no domain, and is the only one that imports prcoords.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import prcoords


class CoordinateSystem(StrEnum):
    GCJ02 = "gcj02"  # Tencent/WeChat maps; wx.getLocation({type: 'gcj02'})
    WGS84 = "wgs84"  # GPS; wx.getLocation's default


STORED = CoordinateSystem.GCJ02  # the system venue points are kept in


@dataclass(frozen=True)
class Point:
    latitude: float
    longitude: float
    system: CoordinateSystem


def in_gcj02(point: Point) -> Point:
    """The same place in GCJ-02."""
    if point.system == CoordinateSystem.GCJ02:
        return point
    wgs = prcoords.Coords(point.latitude, point.longitude)
    if not prcoords.sanity_in_china_p(wgs):
        return Point(point.latitude, point.longitude, CoordinateSystem.GCJ02)
    # check_china=False: the box was checked above; prcoords would warn, not raise, outside it.
    gcj = prcoords.wgs_gcj(wgs, check_china=False)
    return Point(gcj.lat, gcj.lon, CoordinateSystem.GCJ02)
