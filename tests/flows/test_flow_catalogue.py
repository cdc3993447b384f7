"""The youth-facing texts: found for translators, with line numbers, and in plain Dutch."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.extract import extract
from babel.messages.pofile import read_po

from flows.babel_extract import extract_flows
from flows.catalogue import iter_texts, text_catalogue
from flows.loader import FLOWS_DIR, load_flows

CATALOGUE = text_catalogue()
BANNED = [
    "aanvullende loopbaanbegeleiding",
    "uitstroomprofiel",
    "escalatie",
    "escaleren",
    "nazorg",
    "traject",
    "interventie",
    "AVG",
    "persoonsgegevens",
    "toestemmingsverklaring",
]


def test_catalogue_holds_every_flow_text_with_its_line():
    texts = {entry.text for entry in CATALOGUE}
    assert "Hoe gaat het met je?" in texts
    assert "Zal {coordinator} je bellen?" in texts
    assert "Ja, dat is goed" in texts
    assert "Sorry, dat begrijp ik niet. Kies een van de knoppen." in texts  # engine reply
    assert "Ik wil iemand spreken" in texts
    for entry in CATALOGUE:
        lines = Path(entry.path).read_text(encoding="utf-8").splitlines()
        assert entry.text.split("{")[0][:20] in lines[entry.line - 1], entry
    # every text of every loaded flow is in the catalogue
    for flow in load_flows().values():
        for node in flow.nodes.values():
            if getattr(node, "text", None):
                assert node.text in texts
            for button in getattr(node, "buttons", ()):
                assert button.label in texts
    # descriptions and comments are not for youths
    assert not any("moments that matter" in text for text in texts)


def test_iter_texts_on_a_small_document():
    source = 'id: x\nnodes:\n  a:\n    text: "Hoi"\n    buttons:\n      - {id: j, label: Ja}\n'
    assert [(line, text) for line, text, _ in iter_texts(source)] == [(4, "Hoi"), (6, "Ja")]


def test_babel_extractor_yields_texts_with_line_numbers():
    source = (FLOWS_DIR / "reoffer.yaml").read_bytes()
    found = list(extract_flows(io.BytesIO(source), {}, [], {}))
    assert found[0][0] == 11 and found[0][1] is None
    assert found[0][2].startswith("Een jaar geleden") is False
    assert "Een jaar geleden ging je van school." in found[0][2]
    assert [m for _, _, m, _ in found][1:4] == ["Ja graag", "Nee, dank je", "Bel me"]
    assert all(isinstance(comments, list) for *_, comments in found)
    # and through Babel's own machinery
    via_babel = list(extract(extract_flows, io.BytesIO(source)))
    assert [m[1] for m in via_babel] == [m for _, _, m, _ in found]


def test_pybabel_extract_picks_up_the_yaml(tmp_path: Path):
    mapping = tmp_path / "babel.cfg"
    mapping.write_text(
        "[extractors]\nflows = flows.babel_extract:extract_flows\n\n[flows: **.yaml]\n",
        encoding="utf-8",
    )
    pot = tmp_path / "messages.pot"
    root = Path(__file__).resolve().parents[2]
    pybabel = Path(sys.executable).with_name("pybabel")
    result = subprocess.run(
        [str(pybabel), "extract", "-F", str(mapping), "-o", str(pot), "flows"],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    with pot.open("rb") as handle:
        catalog = read_po(handle)
    ids = {message.id for message in catalog if message.id}
    assert "Wat doe je nu?" in ids and "Ja graag" in ids and "Ik wil iemand spreken" in ids
    message = catalog["Wat doe je nu?"]
    assert any(path.endswith("checkin.yaml") and line > 0 for path, line in message.locations)


def _prose(text: str) -> str:
    return re.sub(r"\{[a-z_]+\}", "Naam", text)


@pytest.mark.parametrize("entry", CATALOGUE, ids=lambda e: f"{Path(e.path).stem}:{e.line}")
def test_plain_language(entry):
    text = _prose(entry.text)
    lowered = text.lower()
    for word in BANNED:
        assert word.lower() not in lowered, f"jargon {word!r} in {entry.text!r}"
    assert not re.search(r"\b(u|uw)\b", lowered), f"use 'je', not 'u': {entry.text!r}"
    for sentence in re.split(r"[.?!:]\s+", text):
        words = sentence.split()
        assert len(words) <= 15, f"sentence too long ({len(words)} words): {sentence!r}"
        for word in words:
            assert len(re.sub(r"\W", "", word)) <= 16, f"long word {word!r} in {entry.text!r}"


def test_one_question_per_question_message():
    for flow in load_flows().values():
        for node_id, node in flow.nodes.items():
            if node.type in {"question", "free_text"}:
                assert node.text.count("?") == 1, f"{flow.id}.{node_id}: {node.text!r}"
