"""Load flow files and refuse broken ones with messages that name the file, node and problem."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from flows import callback
from flows.conditions import Condition, ConditionError
from flows.conditions import parse as parse_condition
from flows.matching import AmbiguousPhraseError, build_table, normalize
from flows.model import (
    WAITING_TYPES,
    BranchNode,
    ButtonSpec,
    EndNode,
    FlowSpec,
    FreeTextNode,
    MessageNode,
    QuestionNode,
    StoreNode,
)
from flows.model import Flow as Flow
from flows.render import ALLOWED_PLACEHOLDERS, placeholders
from flows.replies import replies

FLOWS_DIR = Path(__file__).parent
REPLIES_FILE = FLOWS_DIR / "replies.yaml"
FLOW_ID_MAX = 24
STORE_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,31}")

# Values the service may put in the context for branch conditions (besides stored answers).
CONDITION_CONTEXT: frozenset[str] = frozenset(
    {"month_since_leaving", "turns_21_within_days", "age", "checkin_number"}
)


class FlowLoadError(ValueError):
    """A flow file is broken; `problems` lists every problem as 'file:line: node: problem'."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


# -- YAML with line numbers and duplicate-key detection ------------------------------------


class _FlowYamlLoader(yaml.SafeLoader):
    """SafeLoader where only true/false are booleans: synonyms like yes, no, on stay words."""


_FlowYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_FlowYamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _compose(text: str, name: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=_FlowYamlLoader)
    except yaml.YAMLError as error:
        raise FlowLoadError([f"{name}: not valid YAML: {error}"]) from None


def _duplicate_keys(node: yaml.Node | None, name: str) -> list[str]:
    problems: list[str] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                line = key.start_mark.line + 1
                if key.value in seen:
                    problems.append(
                        f"{name}:{line}: duplicate id/key {key.value!r} "
                        f"(first on line {seen[key.value]})"
                    )
                seen.setdefault(key.value, line)
            problems += _duplicate_keys(value, name)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            problems += _duplicate_keys(item, name)
    return problems


def _node_lines(root: yaml.Node | None) -> dict[str, int]:
    if not isinstance(root, yaml.MappingNode):
        return {}
    for key, value in root.value:
        if key.value == "nodes" and isinstance(value, yaml.MappingNode):
            return {k.value: k.start_mark.line + 1 for k, _ in value.value}
    return {}


def _read(text: str, name: str) -> tuple[Any, dict[str, int]]:
    root = _compose(text, name)
    if problems := _duplicate_keys(root, name):
        raise FlowLoadError(problems)
    data = yaml.load(text, Loader=_FlowYamlLoader)  # noqa: S506 (a SafeLoader)
    return data, _node_lines(root)


# -- validation -----------------------------------------------------------------------------


class _Problems:
    def __init__(self, name: str, lines: dict[str, int]) -> None:
        self.name, self.lines, self.items = name, lines, []

    def add(self, node_id: str | None, problem: str) -> None:
        if node_id is None:
            self.items.append(f"{self.name}: {problem}")
        else:
            line = self.lines.get(node_id)
            where = f"{self.name}:{line}" if line else self.name
            self.items.append(f"{where}: node {node_id!r}: {problem}")


def _pydantic_problems(error: ValidationError, problems: _Problems) -> None:
    for item in error.errors():
        loc = list(item["loc"])
        node_id = None
        if len(loc) >= 2 and loc[0] == "nodes":
            node_id = str(loc[1])
            loc = loc[2:]
            # the discriminated union puts the node type in the path; it says nothing useful
            if loc and loc[0] in {"message", "question", "free_text", "branch", "store", "end"}:
                loc = loc[1:]
        field = ".".join(str(part) for part in loc) or "(node)"
        problems.add(node_id, f"{field}: {item['msg']}")


def _targets(node: Any) -> list[str]:
    if isinstance(node, MessageNode | StoreNode):
        return [node.next]
    if isinstance(node, QuestionNode):
        targets = [b.next or node.next for b in node.buttons]
        if node.free_text:
            targets.append(node.free_text.next)
        return [t for t in targets if t]
    if isinstance(node, FreeTextNode):
        return [node.next]
    if isinstance(node, BranchNode):
        return [case.next for case in node.cases] + [node.otherwise]
    return []


def _texts(node: Any) -> list[str]:
    texts = [node.text] if getattr(node, "text", None) else []
    if isinstance(node, QuestionNode):
        texts += [b.label for b in node.buttons]
    if isinstance(node, FreeTextNode) and node.skip:
        texts.append(node.skip.label)
    return texts


def _buttons(node: Any) -> list[ButtonSpec]:
    if isinstance(node, QuestionNode):
        return list(node.buttons)
    if isinstance(node, FreeTextNode) and node.skip:
        return [node.skip]
    return []


def _check_ids(spec: FlowSpec, p: _Problems) -> None:
    if not callback.NODE_ID_RE.fullmatch(spec.id) or len(spec.id) > FLOW_ID_MAX:
        p.add(None, f"flow id {spec.id!r} must be lowercase a-z, 0-9, _ and at most 24 long")
    for node_id, node in spec.nodes.items():
        if not callback.NODE_ID_RE.fullmatch(node_id):
            p.add(
                node_id,
                f"node id must be lowercase a-z, 0-9, _ (starting with a letter), "
                f"at most {callback.NODE_ID_MAX} characters",
            )
        seen: set[str] = set()
        for button in _buttons(node):
            if not callback.BUTTON_ID_RE.fullmatch(button.id):
                p.add(
                    node_id,
                    f"button id {button.id!r} must be lowercase a-z, 0-9, _ and at most "
                    f"{callback.BUTTON_ID_MAX} characters, not starting with _ "
                    "(callback_data must fit 64 bytes; _ is for the engine's own buttons)",
                )
            if button.id in seen:
                p.add(node_id, f"duplicate button id {button.id!r}")
            seen.add(button.id)
            worst = callback.SEPARATOR.join(
                (callback.PREFIX, "x" * callback.CONVERSATION_ID_MAX, node_id, button.id)
            )
            if len(worst.encode()) > callback.TELEGRAM_CALLBACK_MAX_BYTES:
                p.add(node_id, f"callback_data for button {button.id!r} can exceed 64 bytes")


def _check_keys(spec: FlowSpec, p: _Problems) -> None:
    """Stored keys become database keys: keep them plain."""
    for node_id, node in spec.nodes.items():
        keys = [getattr(node, "store", None), getattr(node, "key", None)]
        if isinstance(node, QuestionNode) and node.free_text:
            keys.append(node.free_text.store)
        if isinstance(node, EndNode):
            keys += list(node.outcome)
        for key in filter(None, keys):
            if not STORE_KEY_RE.fullmatch(key):
                p.add(node_id, f"key {key!r} must be lowercase a-z, 0-9, _ and at most 32 long")


def _check_keywords(spec: FlowSpec, p: _Problems) -> None:
    """A synonym equal to an engine keyword ('stop', 'iemand spreken') could never be chosen."""
    shared = replies()
    reserved = shared.handoff_keywords | shared.stop_keywords
    for node_id, node in spec.nodes.items():
        for button in _buttons(node):
            for phrase in (button.label, *button.synonyms):
                if normalize(phrase) in reserved:
                    p.add(
                        node_id,
                        f"button {button.id!r}: {phrase!r} is an engine keyword (handoff/stop)",
                    )


def _check_texts(spec: FlowSpec, p: _Problems) -> None:
    for node_id, node in spec.nodes.items():
        for text in _texts(node):
            try:
                names = placeholders(text)
            except ValueError as error:
                p.add(node_id, f"text {text!r}: {error}")
                continue
            for unknown in sorted(set(names) - ALLOWED_PLACEHOLDERS):
                p.add(
                    node_id,
                    f"unknown placeholder {{{unknown}}}; allowed: "
                    f"{', '.join(sorted(ALLOWED_PLACEHOLDERS))}",
                )


def _check_graph(spec: FlowSpec, p: _Problems) -> None:
    nodes = spec.nodes
    if spec.start not in nodes:
        p.add(None, f"start node {spec.start!r} does not exist")
    for node_id, node in nodes.items():
        if isinstance(node, QuestionNode):
            for button in node.buttons:
                if not (button.next or node.next):
                    p.add(node_id, f"button {button.id!r} has no next and the question neither")
        for target in dict.fromkeys(_targets(node)):  # each unknown target once
            if target not in nodes:
                p.add(node_id, f"unknown target {target!r}")
    if p.items:
        return  # the reachability checks below assume every target exists
    reachable: set[str] = set()
    todo = [spec.start]
    while todo:
        current = todo.pop()
        if current not in reachable:
            reachable.add(current)
            todo += _targets(nodes[current])
    for node_id in nodes:
        if node_id not in reachable:
            p.add(node_id, f"unreachable from start node {spec.start!r}")
    can_end = {n for n, node in nodes.items() if isinstance(node, EndNode)}
    if not can_end:
        p.add(None, "flow has no end node")
    changed = True
    while changed:
        changed = False
        for node_id, node in nodes.items():
            if node_id not in can_end and any(t in can_end for t in _targets(node)):
                can_end.add(node_id)
                changed = True
    for node_id in nodes:
        if node_id in reachable and node_id not in can_end:
            p.add(node_id, "no way from here to an end node")
    _check_silent_cycles(nodes, p)


def _check_silent_cycles(nodes: dict[str, Any], p: _Problems) -> None:
    """A loop through message/branch/store nodes only would never wait for the youth."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done

    def visit(node_id: str) -> None:
        state[node_id] = 1
        node = nodes[node_id]
        if not isinstance(node, WAITING_TYPES):
            for target in _targets(node):
                if state.get(target) == 1 and not isinstance(nodes[target], WAITING_TYPES):
                    p.add(node_id, f"loop back to {target!r} without a question in between")
                elif target not in state:
                    visit(target)
        state[node_id] = 2

    for node_id in nodes:
        if node_id not in state:
            visit(node_id)


def _compile(spec: FlowSpec, p: _Problems, name: str, source: str) -> Flow:
    stored_keys = {n.store for n in spec.nodes.values() if getattr(n, "store", None)}
    stored_keys |= {n.key for n in spec.nodes.values() if isinstance(n, StoreNode)}
    stored_keys |= {
        n.free_text.store
        for n in spec.nodes.values()
        if isinstance(n, QuestionNode) and n.free_text
    }
    tables: dict[str, dict[str, str]] = {}
    conditions: dict[tuple[str, int], Condition] = {}
    for node_id, node in spec.nodes.items():
        buttons = _buttons(node)
        if buttons:
            phrases = {b.id: [b.label, b.id, *b.synonyms] for b in buttons}
            try:
                tables[node_id] = build_table(phrases)
            except AmbiguousPhraseError as error:
                p.add(node_id, str(error))
        if isinstance(node, BranchNode):
            for index, case in enumerate(node.cases):
                try:
                    condition = parse_condition(case.when)
                except ConditionError as error:
                    p.add(node_id, f"condition {case.when!r}: {error}")
                    continue
                for unknown in sorted(condition.names - stored_keys - CONDITION_CONTEXT):
                    p.add(
                        node_id,
                        f"condition {case.when!r} uses {unknown!r}, which is neither a stored "
                        f"answer nor a context value ({', '.join(sorted(CONDITION_CONTEXT))})",
                    )
                conditions[(node_id, index)] = condition
    used: set[str] = set()
    for node in spec.nodes.values():
        for text in _texts(node):
            with contextlib.suppress(ValueError):  # reported by _check_texts
                used.update(placeholders(text))
    digest = hashlib.sha256(source.encode()).hexdigest()
    return Flow(spec, name, tables, conditions, frozenset(used), digest)


def load_flow_text(text: str, name: str = "<flow>") -> Flow:
    data, lines = _read(text, name)
    problems = _Problems(name, lines)
    if not isinstance(data, dict):
        raise FlowLoadError([f"{name}: a flow file must be a mapping with id, version, nodes"])
    try:
        spec = FlowSpec.model_validate(data)
    except ValidationError as error:
        _pydantic_problems(error, problems)
        raise FlowLoadError(problems.items) from None
    _check_ids(spec, problems)
    _check_keys(spec, problems)
    _check_keywords(spec, problems)
    _check_texts(spec, problems)
    _check_graph(spec, problems)
    flow = _compile(spec, problems, name, text)
    if problems.items:
        raise FlowLoadError(problems.items)
    return flow


def load_flow(path: str | Path) -> Flow:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise FlowLoadError([f"{path}: cannot read: {error}"]) from None
    return load_flow_text(text, str(path))


def flow_files(directory: str | Path = FLOWS_DIR) -> list[Path]:
    return sorted(p for p in Path(directory).glob("*.yaml") if p.name != REPLIES_FILE.name)


def load_flows(paths: Iterable[str | Path] | None = None) -> dict[str, Flow]:
    """Load several flow files (the shipped ones by default); flow ids must be unique."""
    flows: dict[str, Flow] = {}
    problems: list[str] = []
    for path in flow_files() if paths is None else paths:
        try:
            flow = load_flow(path)
        except FlowLoadError as error:
            problems += error.problems
            continue
        if flow.id in flows:
            problems.append(
                f"{path}: duplicate flow id {flow.id!r} (also in {flows[flow.id].path})"
            )
        flows[flow.id] = flow
    if problems:
        raise FlowLoadError(problems)
    return flows


@functools.cache
def shipped_flows() -> dict[str, Flow]:
    return load_flows()
