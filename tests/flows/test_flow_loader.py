"""Broken flow files are refused with a message naming the file, the node and the problem."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from flows import callback
from flows.loader import FlowLoadError, flow_files, load_flow, load_flow_text, load_flows

GOOD = """
id: tiny
version: 1
start: ask
nodes:
  ask:
    type: question
    text: "Gaat het goed, {first_name}?"
    store: ok
    next: done
    buttons:
      - {id: ja, label: "Ja"}
      - {id: nee, label: "Nee"}
  done:
    type: end
    text: "Bedankt!"
"""


def load(text: str, name: str = "broken.yaml"):
    return load_flow_text(textwrap.dedent(text), name)


def problems_of(text: str) -> str:
    with pytest.raises(FlowLoadError) as caught:
        load(text)
    message = str(caught.value)
    assert message.startswith("broken.yaml"), message  # always names the file
    return message


def test_good_fixture_loads():
    flow = load(GOOD)
    assert flow.id == "tiny" and flow.placeholders == {"first_name"}
    assert len(flow.sha256) == 64


def test_every_shipped_flow_loads():
    flows = load_flows()
    assert set(flows) >= {"checkin", "onboarding", "reoffer"}
    assert len(flows) == len(flow_files())


# each case: (what is broken, the YAML, fragments the message must contain)
BROKEN = [
    (
        "unknown target",
        GOOD.replace("next: done", "next: nowhere"),
        ["node 'ask'", "unknown target 'nowhere'"],
    ),
    (
        "unknown start",
        GOOD.replace("start: ask", "start: begin"),
        ["start node 'begin' does not exist"],
    ),
    (
        "unreachable node",
        GOOD + "  orphan:\n    type: end\n",
        ["node 'orphan'", "unreachable"],
    ),
    (
        "no way to end",
        GOOD.replace("next: done", "next: loop")
        + "  loop:\n    type: free_text\n    text: Hoi\n    store: x\n    next: loop\n",
        ["node 'loop'", "no way from here to an end"],
    ),
    (
        "silent loop",
        GOOD.replace("next: done", "next: m1")
        + "  m1: {type: message, text: a, next: m2}\n"
        + "  m2:\n    type: branch\n    cases: [{if: 'ok == ja', next: done}]\n    else: m1\n",
        ["loop back to", "without a question"],
    ),
    (
        "duplicate node id",
        GOOD + "  done:\n    type: end\n",
        ["duplicate id/key 'done'"],
    ),
    (
        "duplicate button id",
        GOOD.replace('{id: nee, label: "Nee"}', '{id: ja, label: "Nee"}'),
        ["node 'ask'", "duplicate button id 'ja'"],
    ),
    (
        "button without label",
        GOOD.replace('{id: nee, label: "Nee"}', '{id: nee, label: "  "}'),
        ["node 'ask'", "buttons.1.label"],
    ),
    (
        "button label missing",
        GOOD.replace('{id: nee, label: "Nee"}', "{id: nee}"),
        ["node 'ask'", "buttons.1.label", "Field required"],
    ),
    (
        "unknown placeholder",
        GOOD.replace("{first_name}", "{voornaam}"),
        ["node 'ask'", "unknown placeholder {voornaam}"],
    ),
    (
        "placeholder with attribute access",
        GOOD.replace("{first_name}", "{first_name.upper}"),
        ["node 'ask'", "plain name"],
    ),
    (
        "positional placeholder",
        GOOD.replace("{first_name}", "{}"),
        ["node 'ask'", "plain name"],
    ),
    (
        "unbalanced brace",
        GOOD.replace("{first_name}", "{first_name"),
        ["node 'ask'"],
    ),
    (
        "button id too long for callback_data",
        GOOD.replace("{id: nee,", "{id: " + "n" * (callback.BUTTON_ID_MAX + 1) + ","),
        ["node 'ask'", "64 bytes"],
    ),
    (
        "button id with a colon",
        GOOD.replace("{id: nee,", '{id: "n:e",'),
        ["node 'ask'", "button id 'n:e'"],
    ),
    (
        "button id reserved for the engine",
        GOOD.replace("{id: nee,", "{id: _talk,"),
        ["node 'ask'", "button id '_talk'"],
    ),
    (
        "node id too long",
        GOOD.replace("done", "d" * (callback.NODE_ID_MAX + 1)),
        ["node id must be"],
    ),
    (
        "non-ASCII node id",
        GOOD.replace("done", "klaarë"),
        ["node id must be"],
    ),
    (
        "two buttons share a synonym",
        GOOD.replace('{id: nee, label: "Nee"}', '{id: nee, label: "Nee", synonyms: ["JA!"]}'),
        ["node 'ask'", "would match both button 'ja' and 'nee'"],
    ),
    (
        "unknown node type",
        GOOD.replace("type: end", "type: finish"),
        ["node 'done'", "type"],
    ),
    (
        "unknown field (typo)",
        GOOD.replace("store: ok", "stroe: ok"),
        ["node 'ask'", "stroe", "Extra inputs"],
    ),
    (
        "bad condition",
        GOOD.replace("next: done", "next: b")
        + "  b:\n    type: branch\n    cases: [{if: 'ok is ja', next: done}]\n    else: done\n",
        ["node 'b'", "condition 'ok is ja'"],
    ),
    (
        "condition on an unknown value",
        GOOD.replace("next: done", "next: b")
        + "  b:\n    type: branch\n    cases: [{if: 'shoe_size > 40', next: done}]\n"
        + "    else: done\n",
        ["node 'b'", "'shoe_size'"],
    ),
    (
        "empty range",
        GOOD.replace("next: done", "next: b")
        + "  b:\n    type: branch\n    cases: [{if: 'month_since_leaving in 12..11', next: done}]\n"
        + "    else: done\n",
        ["node 'b'", "empty range"],
    ),
    (
        "no next for a button",
        GOOD.replace("    next: done\n    buttons", "    buttons"),
        ["node 'ask'", "button 'ja' has no next"],
    ),
    (
        "store key with spaces",
        GOOD.replace("store: ok", "store: 'my key'"),
        ["node 'ask'", "key 'my key'"],
    ),
    (
        "synonym that is an engine keyword",
        GOOD.replace('{id: nee, label: "Nee"}', '{id: nee, label: "Nee", synonyms: [Stop]}'),
        ["node 'ask'", "'Stop' is an engine keyword"],
    ),
    ("version missing", GOOD.replace("version: 1\n", ""), ["version", "Field required"]),
    ("version zero", GOOD.replace("version: 1", "version: 0"), ["version"]),
    ("flow id with spaces", GOOD.replace("id: tiny", "id: my flow"), ["flow id 'my flow'"]),
    ("not a mapping", "- just\n- a list\n", ["must be a mapping"]),
    ("not YAML", "id: [unclosed\n", ["not valid YAML"]),
    ("empty file", "", ["must be a mapping"]),
    ("no nodes", "id: x\nversion: 1\nstart: a\nnodes: {}\n", ["nodes"]),
]


@pytest.mark.parametrize(("text", "fragments"), [c[1:] for c in BROKEN], ids=[c[0] for c in BROKEN])
def test_broken_flow_is_refused_with_a_clear_message(text, fragments):
    message = problems_of(text)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"


def test_error_names_the_line_of_the_node():
    message = problems_of(GOOD.replace("next: done", "next: nowhere"))
    assert message.startswith("broken.yaml:6: node 'ask'"), message


def test_every_problem_is_reported_at_once():
    text = GOOD.replace("{first_name}", "{x}").replace(
        '{id: nee, label: "Nee"}', "{id: ja, label: Nee}"
    )
    with pytest.raises(FlowLoadError) as caught:
        load(text)
    assert len(caught.value.problems) == 2


def test_yes_and_no_stay_words_not_booleans():
    flow = load(GOOD.replace('{id: ja, label: "Ja"}', "{id: ja, label: Ja, synonyms: [yes, on]}"))
    assert flow.nodes["ask"].buttons[0].synonyms == ("yes", "on")


def test_load_flow_reads_files_and_names_them(tmp_path: Path):
    good = tmp_path / "good.yaml"
    good.write_text(GOOD, encoding="utf-8")
    assert load_flow(good).id == "tiny"
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("next: done", "next: nowhere"), encoding="utf-8")
    with pytest.raises(FlowLoadError, match=r"bad\.yaml:6: node 'ask'"):
        load_flow(bad)
    with pytest.raises(FlowLoadError, match="cannot read"):
        load_flow(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("id: caf\xe9\n".encode("latin-1"))
    with pytest.raises(FlowLoadError, match="cannot read"):
        load_flow(latin)


def test_duplicate_flow_ids_across_files(tmp_path: Path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(GOOD, encoding="utf-8")
    with pytest.raises(FlowLoadError, match="duplicate flow id 'tiny'"):
        load_flows(sorted(tmp_path.glob("*.yaml")))


def test_callback_worst_case_fits_64_bytes():
    worst = callback.encode(
        "Z" * callback.CONVERSATION_ID_MAX, "n" * callback.NODE_ID_MAX, "b" * callback.BUTTON_ID_MAX
    )
    assert len(worst.encode()) == callback.WORST_CASE_BYTES <= 64
    assert callback.decode(worst) is not None
    with pytest.raises(ValueError, match="64 bytes"):
        callback.encode("Z" * 30, "n" * 30, "b" * 30)


def test_every_shipped_button_fits_with_the_longest_conversation_id():
    for flow in load_flows().values():
        for node_id, node in flow.nodes.items():
            buttons = list(getattr(node, "buttons", ()))
            if getattr(node, "skip", None):
                buttons.append(node.skip)
            for button in [*buttons]:
                data = callback.encode("Z" * callback.CONVERSATION_ID_MAX, node_id, button.id)
                assert len(data.encode()) <= 64


def test_unknown_target_is_reported_once():
    with pytest.raises(FlowLoadError) as caught:
        load(GOOD.replace("next: done", "next: nowhere"))
    assert caught.value.problems == ["broken.yaml:6: node 'ask': unknown target 'nowhere'"]
