from pathlib import Path

import pytest
from scheduling_helpers import PROGRAMMES

from bot.scheduling import DEFAULT_PROGRAMME_ID, ProgrammeError, load_programmes, parse_programme
from bot.scheduling.programme import PROGRAMMES_DIR

VALID = """\
id: mijn-school
name: Mijn school
duration_months: 24
contact_months: [3, 6, 9]
"""


def test_the_shipped_templates_load_and_the_default_is_among_them():
    assert set(PROGRAMMES) == {
        "klas-van",
        "twee-jaar-kwartaal",
        "pro-zutphen",
        "tweemaandelijks",
        "drie-per-jaar",
    }
    assert DEFAULT_PROGRAMME_ID == "klas-van"
    klas_van = PROGRAMMES["klas-van"]
    assert klas_van.duration_months == 12
    assert klas_van.contact_months == (3, 6, 9, 12)
    assert PROGRAMMES["drie-per-jaar"].contact_months == (4, 8, 12, 16, 20, 24)
    assert PROGRAMMES["pro-zutphen"].calendar_months == (9, 6)


def test_the_shipped_templates_cite_their_source():
    for path in PROGRAMMES_DIR.glob("*.yaml"):
        assert "seeds/000" in path.read_text(encoding="utf-8"), path.name


def test_defaults_fill_in_the_rest():
    programme = parse_programme(VALID, "x.yaml")
    assert programme.checkin_flow == "checkin"
    assert programme.send_window.days == ("ma", "di", "wo", "do", "vr", "za")
    assert programme.nudges.reminder_days == (3, 7)
    assert programme.nudges.silence_days == 14
    assert programme.reoffer.enabled
    assert programme.reoffer.after_months == 12


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str, name: str = "mijn-school.yaml") -> str:
    path = write(tmp_path, name, text)
    with pytest.raises(ProgrammeError) as caught:
        load_programmes(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    return message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (VALID + "contact_moments: [1]\n", "contact_moments: unknown key (check the spelling)"),
        (
            VALID + "send_window:\n  dayz: [ma]\n",
            "send_window.dayz: unknown key (check the spelling)",
        ),
        (VALID.replace("24", "twee jaar"), "duration_months: must be a whole number"),
        (VALID.replace("[3, 6, 9]", "[3, 6, '9']"), "contact_months[2]: must be a whole number"),
        (VALID.replace("[3, 6, 9]", "[3, 6, 0]"), "contact_months[2]: must be between 1 and 24"),
        (VALID.replace("[3, 6, 9]", "[3, 6, 30]"), "contact_months[2]: must be between 1 and 24"),
        (VALID.replace("[3, 6, 9]", "[]"), "contact_months: must list at least one month"),
        (VALID.replace("[3, 6, 9]", "[6, 3]"), "contact_months: must be increasing"),
        (VALID.replace("[3, 6, 9]", "3"), "contact_months: must be a list"),
        (VALID.replace("duration_months: 24", "duration_months: 6"), "lies after the term"),
        (VALID.replace("name: Mijn school\n", ""), "name: required key is missing"),
        (
            VALID + "calendar_months: [9]\n",
            "give exactly one of contact_months or calendar_months",
        ),
        (
            VALID + "send_window:\n  start: '19:00'\n  end: '10:00'\n",
            "send_window: start must be earlier than end",
        ),
        (
            VALID + "send_window:\n  start: 10:00\n",
            "send_window.start: must be a quoted time like '10:00'",
        ),
        (VALID + "send_window:\n  days: [ma, zaterdag]\n", "send_window.days: unknown day"),
        (VALID + "send_window:\n  days: []\n", "send_window.days: must name at least one day"),
        (
            VALID + "send_window:\n  timezone: Europe/Zutphen\n",
            "send_window.timezone: unknown time zone",
        ),
        (
            VALID + "nudges:\n  reminder_days: [3, 20]\n",
            "nudges: every reminder must come before silence_days",
        ),
        (VALID + "reoffer:\n  enabled: misschien\n", "reoffer.enabled: must be true or false"),
        (
            VALID + "coordinator_tasks:\n  - id: gesprek\n    description: Plan het gesprek.\n",
            "coordinator_tasks[0]: give exactly one of calendar_months or contact_months",
        ),
        (
            VALID + "coordinator_tasks:\n  - id: gesprek\n    description: x\n"
            "    calendar_months: [13]\n",
            "coordinator_tasks[0].calendar_months[0]: must be between 1 and 12",
        ),
        (VALID.replace("id: mijn-school", "id: Mijn School"), "id: must use only lowercase"),
    ],
)
def test_broken_files_name_the_file_the_key_and_the_problem(tmp_path, text, expected):
    assert expected in load_error(tmp_path, text)


def test_the_id_must_match_the_file_name(tmp_path):
    message = load_error(tmp_path, VALID, name="andere-naam.yaml")
    assert "id: is 'mijn-school' but must match the file name 'andere-naam'" in message


def test_yaml_syntax_errors_and_non_mappings_are_reported(tmp_path):
    assert "not valid YAML" in load_error(tmp_path, "id: [unclosed\n")
    assert "must be a mapping" in load_error(tmp_path, "- just\n- a list\n")


def test_every_broken_file_is_reported_at_once(tmp_path):
    write(tmp_path, "mijn-school.yaml", VALID)
    write(tmp_path, "a.yaml", VALID.replace("mijn-school", "a") + "typo: 1\n")
    write(tmp_path, "b.yaml", VALID.replace("mijn-school", "b").replace("[3, 6, 9]", "[0]"))
    with pytest.raises(ProgrammeError) as caught:
        load_programmes(tmp_path)
    lines = str(caught.value).splitlines()
    assert lines == [
        f"{tmp_path / 'a.yaml'}: typo: unknown key (check the spelling)",
        f"{tmp_path / 'b.yaml'}: contact_months[0]: must be between 1 and 24",
    ]


def test_an_empty_directory_is_an_error(tmp_path):
    with pytest.raises(ProgrammeError, match="no programme files"):
        load_programmes(tmp_path)


def test_files_are_named_relative_to_the_project_root(tmp_path):
    directory = tmp_path / "flows" / "programmes"
    directory.mkdir(parents=True)
    write(directory, "x.yaml", VALID.replace("mijn-school", "x").replace("[3, 6, 9]", "[3, 6, 0]"))
    with pytest.raises(ProgrammeError) as caught:
        load_programmes(directory, base=tmp_path)
    assert (
        str(caught.value) == "flows/programmes/x.yaml: contact_months[2]: must be between 1 and 24"
    )
