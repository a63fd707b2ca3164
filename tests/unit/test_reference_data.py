"""The bundled reference data: counts match the shipped files, wages follow the date, operators add years."""

from datetime import date
from functools import cached_property
from pathlib import Path

import pytest

from adapters.reference_data import BundledReferenceData, ReferenceDataError

FY2026 = """pref_code,prefecture,fiscal_year,min_wage_jpy,effective_date,prev_fy_min_wage_jpy
13,東京都,2026,1300,2026-10-01,1226
"""


@pytest.fixture(scope="module")
def reference() -> BundledReferenceData:
    return BundledReferenceData()


def test_counts_match_the_files(reference: BundledReferenceData) -> None:
    # 10,240 station records, of which 80 repeat a code (one station split into pieces): 10,160 stations.
    assert len(reference.stations()) == 10_160
    # 120,720 postal codes, less 1000301 (利島村), which has no point in the source.
    assert len(reference.postal_points()) == 120_719
    assert len(reference.organisations()) == 22_200
    assert len(reference.industries()) == 2_128
    assert len(reference.municipalities()) == 1_891  # 1,892 less 利島村 (no point)


def test_tokyo_minimum_wage_changes_on_its_effective_date(reference: BundledReferenceData) -> None:
    table = reference.minimum_wages()
    assert table.in_force("13", date(2025, 10, 3)) == 1226
    assert table.in_force("13", date(2025, 10, 2)) == 1163
    assert len(table.prefectures()) == 47


@pytest.mark.parametrize("code", ["150-0002", "１５０－０００２", "1500002", "〒150-0002"])
def test_postal_code_forms(reference: BundledReferenceData, code: str) -> None:
    point = reference.postal_point(code)
    assert point is not None
    assert (point.postal_code, point.city) == ("1500002", "渋谷区")


def test_unknown_or_malformed_postal_codes(reference: BundledReferenceData) -> None:
    assert reference.postal_point("000-0000") is None
    assert reference.postal_point("150-00") is None


def test_stations_by_code_and_by_name(reference: BundledReferenceData) -> None:
    shinjuku = reference.stations_named("新宿駅", "13")
    assert shinjuku
    assert {s.prefecture_code for s in shinjuku} == {"13"}
    assert reference.station(shinjuku[0].code) == shinjuku[0]
    assert {s.prefecture_code for s in reference.stations_named("日本橋")} == {"13", "27"}


def test_every_station_lies_in_a_current_municipality(reference: BundledReferenceData) -> None:
    # The 2023 railway data uses Hamamatsu's retired ward codes; they are mapped to the 2024 wards.
    assert all(reference.municipality(s.municipality_code) for s in reference.stations())
    hamamatsu = reference.stations_named("浜松", "22")
    assert {s.municipality_code for s in hamamatsu} == {"22138"}


def test_industry_lookup(reference: BundledReferenceData) -> None:
    cafe = reference.industry("7671")
    assert cafe is not None
    assert (cafe.name, cafe.major_code) == ("喫茶店", "M")


def test_an_operators_fy2026_file_is_picked_up(tmp_path: Path) -> None:
    (tmp_path / "fy2026.csv").write_text(FY2026, encoding="utf-8")
    table = BundledReferenceData(minimum_wage_dir=tmp_path).minimum_wages()
    assert table.in_force("13", date(2026, 10, 1)) == 1300
    assert table.in_force("13", date(2026, 9, 30)) == 1226
    assert table.in_force("14", date(2026, 10, 1)) == 1225  # no FY2026 row yet: FY2025 still applies


@pytest.mark.parametrize(
    ("row", "field"),
    [
        ("13,東京都,2026,abc,2026-10-01,1226", "min_wage_jpy"),
        ("13,東京都,2026,1300,2026-13-01,1226", "effective_date"),
        ("13,東京都,2026,1300,2025-10-01,1226", "effective_date"),  # outside fiscal 2026
        ("99,東京都,2026,1300,2026-10-01,1226", "pref_code"),
        ("13,東京都,2026,1300,2026-10-01,1200", "prev_fy_min_wage_jpy"),  # disagrees with the FY2025 row
    ],
)
def test_a_bad_operator_file_names_file_line_and_field(tmp_path: Path, row: str, field: str) -> None:
    path = tmp_path / "fy2026.csv"
    path.write_text(FY2026 + row + "\n", encoding="utf-8")
    with pytest.raises(ReferenceDataError) as raised:
        BundledReferenceData(minimum_wage_dir=tmp_path)
    assert raised.value.field == field
    assert str(path) in str(raised.value)
    if field != "prev_fy_min_wage_jpy":
        assert raised.value.line == 3
    else:
        assert "line 3" in str(raised.value)


def test_a_missing_operator_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ReferenceDataError, match="does not exist"):
        BundledReferenceData(minimum_wage_dir=tmp_path / "nope")


def test_preload_reads_every_table_at_once() -> None:
    reference = BundledReferenceData()
    tables = [name for name, member in vars(BundledReferenceData).items() if isinstance(member, cached_property)]
    assert len(tables) >= 6
    assert not any(name in vars(reference) for name in tables)  # each read on first use otherwise
    reference.preload()
    assert all(name in vars(reference) for name in tables)
