"""The shape of a flow file, checked by pydantic; graph rules are checked in `loader`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from flows.conditions import Condition

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Value = str | int


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ButtonSpec(_Spec):
    id: str
    label: NonEmpty
    value: Value | None = None  # what is stored; the id when left out
    synonyms: tuple[str, ...] = ()  # typed replies that clearly mean this button
    next: str | None = None  # overrides the question's `next`

    @property
    def stored_value(self) -> Value:
        return self.id if self.value is None else self.value


class FreeTextSpec(_Spec):
    """On a button question: a typed reply that matches no button is kept, not refused."""

    store: str
    next: str


class MessageNode(_Spec):
    type: Literal["message"]
    text: NonEmpty
    next: str


class QuestionNode(_Spec):
    type: Literal["question"]
    text: NonEmpty
    buttons: tuple[ButtonSpec, ...] = Field(min_length=1)
    store: str | None = None
    next: str | None = None
    free_text: FreeTextSpec | None = None
    row_width: int = Field(default=1, ge=1, le=8)


class FreeTextNode(_Spec):
    type: Literal["free_text"]
    text: NonEmpty
    store: str
    next: str
    skip: ButtonSpec | None = None


class BranchCase(_Spec):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    when: str = Field(alias="if")
    next: str


class BranchNode(_Spec):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    type: Literal["branch"]
    cases: tuple[BranchCase, ...] = Field(min_length=1)
    otherwise: str = Field(alias="else")


class StoreNode(_Spec):
    type: Literal["store"]
    key: str
    value: Value
    next: str


class EndNode(_Spec):
    type: Literal["end"]
    text: NonEmpty | None = None
    outcome: dict[str, Value] = {}


Node = Annotated[
    MessageNode | QuestionNode | FreeTextNode | BranchNode | StoreNode | EndNode,
    Field(discriminator="type"),
]
AnyNode = MessageNode | QuestionNode | FreeTextNode | BranchNode | StoreNode | EndNode
WAITING_TYPES = (QuestionNode, FreeTextNode)


class FlowSpec(_Spec):
    id: str
    version: int = Field(ge=1)
    start: str
    handoff_button: bool = True  # show "Ik wil iemand spreken" under every question
    description: str = ""
    nodes: dict[str, Node] = Field(min_length=1)


class Flow:
    """A loaded, validated flow with the lookup tables the engine needs precomputed."""

    __slots__ = ("conditions", "match_tables", "path", "placeholders", "sha256", "spec")

    def __init__(
        self,
        spec: FlowSpec,
        path: str,
        match_tables: dict[str, dict[str, str]],
        conditions: dict[tuple[str, int], Condition],
        placeholders: frozenset[str],
        sha256: str,
    ) -> None:
        self.spec = spec
        self.path = path
        self.match_tables = match_tables
        self.conditions = conditions
        # the context keys the service must provide for this flow's texts
        self.placeholders = placeholders
        # hash of the file's exact text: record it with consent (which text was shown)
        self.sha256 = sha256

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def version(self) -> int:
        return self.spec.version

    @property
    def nodes(self) -> dict[str, AnyNode]:
        return self.spec.nodes

    def __repr__(self) -> str:
        return f"Flow({self.id!r}, version={self.version}, path={self.path!r})"
