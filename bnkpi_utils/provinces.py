"""Official province names (63 units until 30 June 2025, 34 from 1 July 2025) and their usual variants.

Names are stored as the Ministry of Home Affairs and GSO write them, with diacritics. Cleaning accepts
common variants (no diacritics, ``Tp.``/``TP``/``Thành phố``, ``tỉnh``, English spelling) and maps them;
an unknown name is an error that suggests the closest official names.
"""

from __future__ import annotations

import difflib
import re
import unicodedata

NATION = "Việt Nam"

# The 63 provincial units of 2024, each with the unit it belongs to from 1 July 2025
# (Nghị quyết 202/2025/QH15); the same pairs ship as data/raw/province_mergers_2025.csv.
MERGERS_2025: dict[str, str] = {
    "Tuyên Quang": "Tuyên Quang", "Hà Giang": "Tuyên Quang",
    "Lào Cai": "Lào Cai", "Yên Bái": "Lào Cai",
    "Thái Nguyên": "Thái Nguyên", "Bắc Kạn": "Thái Nguyên",
    "Phú Thọ": "Phú Thọ", "Vĩnh Phúc": "Phú Thọ", "Hòa Bình": "Phú Thọ",
    "Bắc Ninh": "Bắc Ninh", "Bắc Giang": "Bắc Ninh",
    "Hưng Yên": "Hưng Yên", "Thái Bình": "Hưng Yên",
    "Hải Phòng": "Hải Phòng", "Hải Dương": "Hải Phòng",
    "Ninh Bình": "Ninh Bình", "Hà Nam": "Ninh Bình", "Nam Định": "Ninh Bình",
    "Quảng Trị": "Quảng Trị", "Quảng Bình": "Quảng Trị",
    "Đà Nẵng": "Đà Nẵng", "Quảng Nam": "Đà Nẵng",
    "Quảng Ngãi": "Quảng Ngãi", "Kon Tum": "Quảng Ngãi",
    "Gia Lai": "Gia Lai", "Bình Định": "Gia Lai",
    "Khánh Hòa": "Khánh Hòa", "Ninh Thuận": "Khánh Hòa",
    "Lâm Đồng": "Lâm Đồng", "Đắk Nông": "Lâm Đồng", "Bình Thuận": "Lâm Đồng",
    "Đắk Lắk": "Đắk Lắk", "Phú Yên": "Đắk Lắk",
    "TP. Hồ Chí Minh": "TP. Hồ Chí Minh", "Bình Dương": "TP. Hồ Chí Minh",
    "Bà Rịa - Vũng Tàu": "TP. Hồ Chí Minh",
    "Đồng Nai": "Đồng Nai", "Bình Phước": "Đồng Nai",
    "Tây Ninh": "Tây Ninh", "Long An": "Tây Ninh",
    "Cần Thơ": "Cần Thơ", "Sóc Trăng": "Cần Thơ", "Hậu Giang": "Cần Thơ",
    "Vĩnh Long": "Vĩnh Long", "Bến Tre": "Vĩnh Long", "Trà Vinh": "Vĩnh Long",
    "Đồng Tháp": "Đồng Tháp", "Tiền Giang": "Đồng Tháp",
    "Cà Mau": "Cà Mau", "Bạc Liêu": "Cà Mau",
    "An Giang": "An Giang", "Kiên Giang": "An Giang",
    "Hà Nội": "Hà Nội", "Thừa Thiên Huế": "Huế",
    "Lai Châu": "Lai Châu", "Điện Biên": "Điện Biên", "Sơn La": "Sơn La", "Lạng Sơn": "Lạng Sơn",
    "Quảng Ninh": "Quảng Ninh", "Thanh Hóa": "Thanh Hóa", "Nghệ An": "Nghệ An", "Hà Tĩnh": "Hà Tĩnh",
    "Cao Bằng": "Cao Bằng",
}
PROVINCES_2024: tuple[str, ...] = tuple(MERGERS_2025)
PROVINCES_2025: tuple[str, ...] = tuple(dict.fromkeys(MERGERS_2025.values()))
OFFICIAL_NAMES: tuple[str, ...] = tuple(dict.fromkeys(PROVINCES_2024 + PROVINCES_2025))
REGIONS: tuple[str, ...] = OFFICIAL_NAMES + (NATION,)

# The first day of the 34-unit map.
MERGER_DATE = "2025-07-01"
FIRST_MERGED_YEAR = 2025

_PREFIXES = ("thanh pho", "tinh", "tp.", "tp ", "tp")
# Variants that are more than a prefix or diacritics away from the official name.
_EXTRA_ALIASES = {
    "ho chi minh city": "TP. Hồ Chí Minh",
    "hcmc": "TP. Hồ Chí Minh",
    "sai gon": "TP. Hồ Chí Minh",
    "saigon": "TP. Hồ Chí Minh",
    "hanoi": "Hà Nội",
    "ha noi city": "Hà Nội",
    "hai phong city": "Hải Phòng",
    "da nang city": "Đà Nẵng",
    "can tho city": "Cần Thơ",
    "hue city": "Huế",
    "thua thien - hue": "Thừa Thiên Huế",
    "ba ria vung tau": "Bà Rịa - Vũng Tàu",
    "ba ria-vung tau": "Bà Rịa - Vũng Tàu",
    "brvt": "Bà Rịa - Vũng Tàu",
    "dak lak": "Đắk Lắk",
    "daklak": "Đắk Lắk",
    "dak nong": "Đắk Nông",
    "vietnam": NATION,
    "viet nam": NATION,
    "ca nuoc": NATION,
    "toan quoc": NATION,
}


def fold(name: str) -> str:
    """Lower case, no diacritics (đ → d), single spaces: the key under which variants are compared."""
    text = unicodedata.normalize("NFD", str(name).strip().lower().replace("đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"\s+", " ", text).strip()


def _without_prefix(folded: str) -> str:
    for prefix in _PREFIXES:
        if folded.startswith(prefix) and folded != prefix:
            return folded[len(prefix):].strip(" .")
    return folded


def _build_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for official in REGIONS:
        index[fold(official)] = official
        index[_without_prefix(fold(official))] = official
    for alias, official in _EXTRA_ALIASES.items():
        index[alias] = official
    return index


_INDEX = _build_index()


class UnknownProvince(ValueError):
    def __init__(self, name: str, suggestions: list[str]):
        self.name = name
        self.suggestions = suggestions
        hint = f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else ""
        super().__init__(f"unknown province {name!r}{hint}")


def normalise_region(name: str) -> str:
    """The official name for ``name`` (a province variant or ``Việt Nam``); raises UnknownProvince."""
    text = unicodedata.normalize("NFC", str(name).strip())
    if text in REGIONS:
        return text
    folded = fold(text)
    for key in (folded, _without_prefix(folded), _without_prefix(folded).replace("-", " ")):
        if key in _INDEX:
            return _INDEX[key]
    raise UnknownProvince(text, suggest(text))


def suggest(name: str, n: int = 3) -> list[str]:
    """The official names closest to ``name``."""
    folded = _without_prefix(fold(name))
    keys = difflib.get_close_matches(folded, list(_INDEX), n=n * 2, cutoff=0.6)
    return list(dict.fromkeys(_INDEX[k] for k in keys))[:n]


def unit_of_year(region: str, year_end: int) -> str:
    """The administrative unit a fact for ``region`` in ``year_end`` describes.

    ``pre_2025`` for the 63-unit map, ``merged_2025`` for the 34-unit map (a name such as Bắc Ninh
    covers old Bắc Ninh before 1 July 2025 and old Bắc Ninh + Bắc Giang after), ``nation`` for Việt Nam.
    """
    if region == NATION:
        return "nation"
    return "merged_2025" if year_end >= FIRST_MERGED_YEAR else "pre_2025"


TERRITORIES = ("old", "merged")


def default_territory(region: str, year: int) -> str:
    """The territory a value describes when the data do not say: ``old`` (the 63-unit map) before 2025,
    ``merged`` (the 34-unit map, from 1 July 2025) from 2025."""
    return "merged" if int(year) >= FIRST_MERGED_YEAR else "old"


def merged_province(region: str) -> bool:
    """A 2025 unit formed from more than one old unit (Bắc Ninh = old Bắc Ninh + Bắc Giang)."""
    return sum(1 for new in MERGERS_2025.values() if new == region) > 1
