"""Public reference data about Japan as value objects: stations, municipalities, postal-code points,
industries, organisations and the legal minimum wage by prefecture and date."""

import bisect
from dataclasses import dataclass, field
from datetime import date

from domain.geo import GeoPoint


@dataclass(frozen=True, slots=True)
class Station:
    code: str
    group_code: str
    name: str
    line_name: str
    operator: str
    point: GeoPoint
    prefecture_code: str
    municipality_code: str


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str  # JIS X 0402, five digits
    prefecture_code: str
    prefecture: str
    name: str
    point: GeoPoint


@dataclass(frozen=True, slots=True)
class PostalPoint:
    postal_code: str  # seven digits, no hyphen
    municipality_code: str
    prefecture: str
    city: str
    neighborhood: str
    point: GeoPoint
    town_level: bool  # False: the municipality's point stands in for the town's


@dataclass(frozen=True, slots=True)
class Industry:
    code: str  # JSIC rev. 14: letter (major), 2 digits (middle), 3 (minor), 4 (detail)
    name: str
    major_code: str


@dataclass(frozen=True, slots=True)
class Organisation:
    name: str
    postal_code: str
    municipality_code: str
    prefecture: str
    city: str
    neighborhood: str
    banchi: str


@dataclass(frozen=True, slots=True)
class MinimumWage:
    prefecture_code: str
    fiscal_year: int
    hourly_jpy: int
    effective_date: date


@dataclass(frozen=True)
class MinimumWageTable:
    """Legal minimum hourly wage in force for a prefecture on a date.

    Before a fiscal year's effective date, the previous year's value applies. Rows for a new fiscal year
    are added as data, never as code.
    """

    rows: tuple[MinimumWage, ...]
    _by_pref: dict[str, list[MinimumWage]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_pref: dict[str, list[MinimumWage]] = {}
        for row in sorted(self.rows, key=lambda r: r.effective_date):
            by_pref.setdefault(row.prefecture_code, []).append(row)
        object.__setattr__(self, "_by_pref", by_pref)

    def in_force(self, prefecture_code: str, on: date) -> int | None:
        rows = self._by_pref.get(prefecture_code)
        if not rows:
            return None
        i = bisect.bisect_right([r.effective_date for r in rows], on)
        return rows[i - 1].hourly_jpy if i else None

    def prefectures(self) -> list[str]:
        return sorted(self._by_pref)


# Prefecture codes 01..47 and their names, in JIS order.
PREFECTURES: dict[str, str] = {
    "01": "北海道", "02": "青森県", "03": "岩手県", "04": "宮城県", "05": "秋田県", "06": "山形県",
    "07": "福島県", "08": "茨城県", "09": "栃木県", "10": "群馬県", "11": "埼玉県", "12": "千葉県",
    "13": "東京都", "14": "神奈川県", "15": "新潟県", "16": "富山県", "17": "石川県", "18": "福井県",
    "19": "山梨県", "20": "長野県", "21": "岐阜県", "22": "静岡県", "23": "愛知県", "24": "三重県",
    "25": "滋賀県", "26": "京都府", "27": "大阪府", "28": "兵庫県", "29": "奈良県", "30": "和歌山県",
    "31": "鳥取県", "32": "島根県", "33": "岡山県", "34": "広島県", "35": "山口県", "36": "徳島県",
    "37": "香川県", "38": "愛媛県", "39": "高知県", "40": "福岡県", "41": "佐賀県", "42": "長崎県",
    "43": "熊本県", "44": "大分県", "45": "宮崎県", "46": "鹿児島県", "47": "沖縄県",
}  # fmt: skip
