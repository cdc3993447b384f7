"""Properties: whatever bytes arrive, the parser answers with rows or errors, never a crash."""

from __future__ import annotations

from datetime import date

from cohort_files import DATA, HEADER, KNOWN_COORDINATORS, KNOWN_SCHOOLS, csv_text, parse, row
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.cohort import ParsedCohort, Profile

SAMPLE = (DATA / "cohort-small.csv").read_bytes()[:1500]

_settings = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _consistent(result: ParsedCohort) -> None:
    assert isinstance(result, ParsedCohort)
    if result.ok:
        assert result.rows or result.checked_rows == 0
    else:
        assert result.rows == ()
        for issue in result.errors:
            assert issue.message("nl") and issue.message("en")
            assert issue.line is None or issue.line >= 1


@_settings
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    _consistent(parse(data))


@_settings
@given(
    st.lists(
        st.tuples(st.integers(0, len(SAMPLE) - 1), st.integers(0, 3), st.binary(max_size=4)),
        min_size=1,
        max_size=8,
    )
)
def test_mangled_sample_files_never_raise(edits: list[tuple[int, int, bytes]]) -> None:
    data = bytearray(SAMPLE)
    for position, removed, inserted in edits:
        data[position : position + removed] = inserted
    _consistent(parse(bytes(data)))


@_settings
@given(st.text(alphabet=st.sampled_from(';,\t"\r\n xX1-/é'), max_size=300))
def test_text_made_of_csv_punctuation_never_raises(text: str) -> None:
    _consistent(parse("leerlingnummer;roepnaam\r\n" + text))
    _consistent(parse(";".join(HEADER) + "\r\n" + text))


# Names as schools really hold them: letters of many scripts, spaces, quotes, separators.
_names = (
    st.text(
        alphabet=st.characters(
            categories=("L", "M", "Zs", "Pd", "Po"), exclude_characters="\x85\xa0\u2028\u2029"
        ),
        min_size=1,
        max_size=40,
    )
    .map(str.strip)
    .filter(bool)
)


@_settings
@given(
    first=_names,
    last=_names,
    born=st.dates(date(1996, 8, 1), date(2012, 7, 31)),
    profile=st.sampled_from(Profile),
    separator=st.sampled_from([";", ",", "\t"]),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]),
)
def test_valid_rows_round_trip(
    first: str, last: str, born: date, profile: Profile, separator: str, encoding: str
) -> None:
    record = row(
        roepnaam=first,
        achternaam=last,
        geboortedatum=born.strftime("%d-%m-%Y"),
        uitstroomprofiel=profile.value,
        begeleider=next(iter(KNOWN_COORDINATORS)),
        school=next(iter(KNOWN_SCHOOLS)),
    )
    result = parse(csv_text([record], separator=separator).encode(encoding))
    assert result.ok, result.error_messages()
    parsed = result.rows[0]
    assert (parsed.first_name, parsed.last_name) == (first, last)
    assert parsed.date_of_birth == born
    assert parsed.profile is profile
