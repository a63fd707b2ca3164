"""Where people and jobs are, and how long the trip between them takes.

Commute minutes are an estimate from straight-line distance between the user's home point (a postal-code
or municipality centroid) and the job's station, plus the job's stated walking minutes from that station.
They are shown to people as "約N分" for that reason.
"""

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
# Door to platform, waiting and the transfer it usually takes.
TRANSIT_ACCESS_MINUTES = 10.0
# Effective rail speed over the straight line, detours and stops included (~25 km/h).
TRANSIT_MINUTES_PER_KM = 2.4
# Walking on streets: 4.8 km/h over a 1.25 detour factor.
WALK_MINUTES_PER_KM = 15.6
DEFAULT_WALKING_MINUTES = 10
DEFAULT_MAX_COMMUTE_MINUTES = 60


@dataclass(frozen=True, slots=True)
class GeoPoint:
    latitude: float
    longitude: float

    def __post_init__(self) -> None:
        if not (-90.0 <= self.latitude <= 90.0 and -180.0 <= self.longitude <= 180.0):
            raise ValueError(f"not a point on Earth: {self.latitude}, {self.longitude}")


def distance_km(a: GeoPoint, b: GeoPoint) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1 = math.radians(a.latitude), math.radians(a.longitude)
    lat2, lon2 = math.radians(b.latitude), math.radians(b.longitude)
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def commute_minutes(km: float, walking_minutes: float) -> float:
    """Faster of walking there and taking the train, plus the walk from the job's station."""
    by_foot = km * WALK_MINUTES_PER_KM
    by_train = TRANSIT_ACCESS_MINUTES + km * TRANSIT_MINUTES_PER_KM
    return min(by_foot, by_train) + walking_minutes


def reach_km(max_commute_minutes: float) -> float:
    """The farthest straight-line distance from which a commute can fit in the given minutes."""
    by_foot = max_commute_minutes / WALK_MINUTES_PER_KM
    by_train = (max_commute_minutes - TRANSIT_ACCESS_MINUTES) / TRANSIT_MINUTES_PER_KM
    return max(0.0, by_foot, by_train)
