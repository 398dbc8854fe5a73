"""Coordinate systems: WGS-84 to GCJ-02 as published, and what is left alone."""

from __future__ import annotations

import itertools
import math

import pytest

from sunshine.attendance.codes import distance_m
from sunshine.geo import STORED, CoordinateSystem, Point, in_gcj02

GCJ02, WGS84 = CoordinateSystem.GCJ02, CoordinateSystem.WGS84

# (WGS-84, GCJ-02) pairs from the test data of eviltransform (MIT), an implementation of the
# same published formulas independent of the one we use (prcoords).
REFERENCE = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),  # Beijing
]


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_converts_to_the_published_gcj02(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    converted = in_gcj02(Point(*wgs, WGS84))

    assert converted.system == GCJ02
    assert distance_m(converted.latitude, converted.longitude, *gcj) < 0.01
    assert 400 < distance_m(*wgs, *gcj) < 700  # why the system matters: hundreds of metres


def test_gcj02_is_kept_as_given_and_is_the_stored_system() -> None:
    point = Point(37.146469, 111.787434, GCJ02)

    assert in_gcj02(point) is point
    assert STORED == GCJ02


@pytest.mark.parametrize("where", [(48.8584, 2.2945), (-33.8568, 151.2153), (0.0, 0.0)])
def test_outside_china_gcj02_is_wgs84(where: tuple[float, float]) -> None:
    assert in_gcj02(Point(*where, WGS84)) == Point(*where, GCJ02)


def test_distances_measured_in_gcj02_stay_within_one_percent_of_true_ones() -> None:
    """Punch distances are measured between GCJ-02 points (the stored system)."""
    worst = 0.0
    for lat, lon, bearing in itertools.product(
        (22, 30, 37.1, 45), (90, 105, 111.8, 121), (0, 45, 90)
    ):
        metres = 500
        dlat = metres / 111_195 * math.cos(math.radians(bearing))
        dlon = metres / 111_195 / math.cos(math.radians(lat)) * math.sin(math.radians(bearing))
        a, b = Point(lat, lon, WGS84), Point(lat + dlat, lon + dlon, WGS84)
        ga, gb = in_gcj02(a), in_gcj02(b)
        true = distance_m(a.latitude, a.longitude, b.latitude, b.longitude)
        measured = distance_m(ga.latitude, ga.longitude, gb.latitude, gb.longitude)
        worst = max(worst, abs(measured - true) / true)

    assert worst < 0.01
