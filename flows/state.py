"""The conversation state the service stores as JSON between two inbound messages."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from flows.callback import CONVERSATION_ID_MAX

Status = Literal["active", "finished", "expired"]
ConversationId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9_-]+$", min_length=1, max_length=CONVERSATION_ID_MAX),
]


class FlowState(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    flow_id: str
    flow_version: int
    conversation_id: ConversationId
    node: str
    answers: dict[str, str | int] = {}
    reasks: int = 0
    status: Status = "active"

    @property
    def active(self) -> bool:
        return self.status == "active"

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, data: str | bytes) -> FlowState:
        return cls.model_validate_json(data)
