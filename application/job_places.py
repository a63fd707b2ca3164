"""Where a posting is: prefecture, municipality, station and point, from whichever of them is given.

Shared by the file import and the employers' API, so a posting is placed the same way by both.
"""

from dataclasses import dataclass

from application.ports import ReferenceData
from domain.geo import GeoPoint
from domain.reference import PREFECTURES, Municipality, Station


@dataclass(frozen=True, slots=True)
class Place:
    prefecture_code: str
    fields: dict[str, object]  # the Job fields: prefecture, city, municipality_code, station, point


def place_of(
    reference: ReferenceData, prefecture: str | None, station: Station | None, municipality: Municipality | None
) -> Place | None:
    """The station's point, else the municipality's; a given prefecture wins over the station's (its
    prefecture is approximate near borders). None when no prefecture follows from what was given."""
    if station is not None:
        prefecture = prefecture or station.prefecture_code
        municipality = municipality or reference.municipality(station.municipality_code)
    elif municipality is not None:
        prefecture = prefecture or municipality.prefecture_code
    if prefecture is None:
        return None
    point: GeoPoint | None = station.point if station else (municipality.point if municipality else None)
    return Place(
        prefecture,
        {
            "prefecture": PREFECTURES[prefecture],
            "city": municipality.name if municipality else "",
            "municipality_code": municipality.code if municipality else None,
            "station_code": station.code if station else None,
            "nearest_station": station.name if station else None,
            "latitude": point.latitude if point else None,
            "longitude": point.longitude if point else None,
        },
    )
