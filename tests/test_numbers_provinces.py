import pytest

from bnkpi_utils.numbers import EN, VI, NumberError, column_notation, format_vi, notation_of, parse_number
from bnkpi_utils.provinces import PROVINCES_2024, PROVINCES_2025, UnknownProvince, normalise_region, suggest


@pytest.mark.parametrize("text, expected", [
    ("45,92", 45.92), ("42.83", 42.83), ("1.260.000", 1_260_000), ("1.260,5", 1260.5), ("1,260.5", 1260.5),
    ("-9,28", -9.28), ("\u22126,18", -6.18), ("0,500", 0.5), (" 12 ", 12), ("53%", 53), ("1 260", 1260),
])
def test_parse_unambiguous_numbers(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["1.260", "1,260", "12.345"])
def test_lone_thousands_group_is_ambiguous_without_context(text):
    with pytest.raises(NumberError, match="ambiguous"):
        parse_number(text)


def test_ambiguous_value_resolved_by_column_notation():
    assert parse_number("1.260", VI) == 1260
    assert parse_number("1.260", EN) == pytest.approx(1.26)
    assert column_notation(["45,92", "1.260", "7"]) == VI
    assert column_notation(["42.83", "1,260"]) == EN


def test_mixed_notation_in_one_column_is_an_error():
    with pytest.raises(NumberError, match="mixes"):
        column_notation(["45,92", "42.83"])


@pytest.mark.parametrize("text", ["abc", "n/a", "1,2,3", "1.26.0", "4..5", ",5", "12-3"])
def test_text_is_not_a_number(text):
    with pytest.raises(NumberError):
        parse_number(text)


def test_notation_of_single_values():
    assert notation_of("45,92") == VI
    assert notation_of("3.5") == EN
    assert notation_of("1.260") is None
    assert notation_of("12") is None


def test_format_vi_uses_decimal_comma_and_thousands_dot():
    assert format_vi(48.764) == "48,76"
    assert format_vi(1260.5, 1) == "1.260,5"
    assert format_vi(float("nan")) == "–"


def test_unit_lists_match_the_merger():
    assert len(PROVINCES_2024) == 63
    assert len(PROVINCES_2025) == 34


@pytest.mark.parametrize("variant, official", [
    ("Bac Ninh", "Bắc Ninh"), ("tỉnh Bắc Giang", "Bắc Giang"), ("TP Hồ Chí Minh", "TP. Hồ Chí Minh"),
    ("Thành phố Hồ Chí Minh", "TP. Hồ Chí Minh"), ("Ho Chi Minh City", "TP. Hồ Chí Minh"),
    ("Tp. Hà Nội", "Hà Nội"), ("HA NOI", "Hà Nội"), ("Thành phố Huế", "Huế"), ("Thua Thien Hue", "Thừa Thiên Huế"),
    ("Ba Ria Vung Tau", "Bà Rịa - Vũng Tàu"), ("Dak Lak", "Đắk Lắk"), ("Viet Nam", "Việt Nam"),
    ("Bắc Ninh", "Bắc Ninh"),
])
def test_variants_map_to_official_names(variant, official):
    assert normalise_region(variant) == official


def test_decomposed_unicode_is_accepted():
    import unicodedata
    assert normalise_region(unicodedata.normalize("NFD", "Bắc Ninh")) == "Bắc Ninh"


def test_unknown_province_suggests_closest_names():
    with pytest.raises(UnknownProvince) as info:
        normalise_region("Bac Nin")
    assert "Bắc Ninh" in info.value.suggestions
    assert "did you mean" in str(info.value)
    assert suggest("Bắc Gian")[0] == "Bắc Giang"


def test_numbers_must_be_finite_and_below_the_general_limit():
    for text in ("inf", "-inf", "nan", "NaN"):
        with pytest.raises(NumberError, match="not a number"):
            parse_number(text)
    for value in (float("inf"), float("nan")):
        with pytest.raises(NumberError, match="not a finite number"):
            parse_number(value)
    with pytest.raises(NumberError, match="not a finite number"):
        parse_number("9" * 401)  # float() of 401 digits is infinity
    with pytest.raises(NumberError, match="implausibly large"):
        parse_number("1" + "0" * 308)
    with pytest.raises(NumberError, match="implausibly large"):
        parse_number(1e15)
    assert parse_number("999.999.999.999.999", VI) == 999_999_999_999_999
    assert parse_number("-17") == -17


def test_majority_notation_reads_a_column_with_one_stray_value():
    from bnkpi_utils.numbers import majority_notation

    assert majority_notation(["45.92", "3.5", "67.200.000", "1,260"]) == EN
    assert majority_notation(["45,92", "3,5", "1.260.000", "12.5"]) == VI
    assert majority_notation(["45,92", "3.5"]) is None
    assert majority_notation([12, 13.5, "", None]) is None


def test_a_name_of_the_34_unit_map_before_the_merger_suggests_the_unit_of_that_year():
    from bnkpi_utils.provinces import normalise_region, year_unit_problem

    assert normalise_region("Hue") == "Huế"
    assert "did you mean 'Thừa Thiên Huế'" in year_unit_problem("Huế", 2023)
    assert year_unit_problem("Huế", 2025) is None
    assert year_unit_problem("Thừa Thiên Huế", 2023) is None
    assert year_unit_problem("Bắc Ninh", 2023) is None  # a name on both maps: its year tells the unit


@pytest.mark.parametrize("text, expected", [
    ("67 200", 67_200), ("1 234 567,5", 1_234_567.5), ("-3 500", -3500), ("67\u00a0200", 67_200),
    ("1\u202f260", 1260), ("- 3,5", -3.5), ("53 %", 53),
])
def test_a_space_separating_thousands_is_accepted(text, expected):
    assert parse_number(text, VI) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["6 5", "6 72 00", "1 2345", "12 345 6", "3,14 159", "1 23"])
def test_a_space_anywhere_else_inside_a_number_is_an_error(text):
    """Read as 65 and 67 200 before; groups of three only, like a thousands dot."""
    with pytest.raises(NumberError, match="groups of three digits"):
        parse_number(text, VI)


def test_text_from_outside_is_escaped_to_one_line():
    from bnkpi_utils.safe_text import escape

    assert escape("x\nmacro.csv:1:-: ok.xlsx") == "x\\nmacro.csv:1:-: ok.xlsx"
    assert escape("\x1b[2J\x1b]0;pwned\x07a.xlsx") == "\\x1b[2J\\x1b]0;pwned\\x07a.xlsx"
    assert escape("Báo cáo \u202e9") == "Báo cáo U+202E9"
    assert escape("Bắc Ninh 67\u00a0200\ttab") == "Bắc Ninh 67\u00a0200\\ttab"
    assert escape("a\udcffb") == "a\\xffb"  # a file name byte that is not UTF-8


@pytest.mark.parametrize("text, vi, en", [
    ("2025-05-06", "06/05/2025", "6 May 2025"),
    ("2026-04", "tháng 4/2026", "April 2026"),
    ("2026-12-31", "31/12/2026", "31 December 2026"),
    ("2025", "2025", "2025"),          # a year alone stays as it is
    ("2025-13", "2025-13", "2025-13"),  # not a month: shown as written, never guessed
    ("", "", ""),
])
def test_document_dates_are_written_as_a_reader_writes_them(text, vi, en):
    from bnkpi_utils.numbers import format_issued

    assert format_issued(text, "vi") == vi and format_issued(text, "en") == en
