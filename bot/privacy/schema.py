"""Which rows refer to a youth, found by walking the foreign keys of the metadata.

A row refers to the youth when one of its foreign keys points at the youth's row, or at a row
that itself refers to the youth (an answer of their conversation, a signal of their escalation,
a conversation started by one of their planned contacts). Export and erasure both use this walk,
so a table added later is covered without anyone remembering to add it here.

One identifier is not a foreign key: the outbox addresses Telegram chats by `chat_id`; rows sent
to the youth's chat count as theirs even when their `youth_id` is empty.

One link is followed the other way: an outbox row holds a message's text, so a row of the
youth's that points at one makes it theirs too. An alert about them sent to a coordinator has
neither their id nor their chat; only its escalation message (and timeline entry) points at it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Column, MetaData, Table, or_, select
from sqlmodel.ext.asyncio.session import AsyncSession

YOUTH_TABLE = "youth"
CHAT_ID_COLUMNS = ("chat_id",)
MESSAGE_TABLES = ("outboxmessage",)  # a row pointing at one of these owns it (see above)


class SchemaWalkError(RuntimeError):
    """The schema has a shape the walk cannot handle (a table without a one-column key)."""


@dataclass(frozen=True)
class Link:
    """A foreign-key column of `table` that points at `target`'s primary key."""

    table: str
    column: str
    target: str


@dataclass
class YouthRows:
    """The ids of every row that refers to one youth, per table (the youth table excluded)."""

    youth_id: int
    ids: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def count(self) -> int:
        return sum(len(ids) for ids in self.ids.values())


def _key_column(table: Table) -> Column:
    keys = list(table.primary_key.columns)
    if len(keys) != 1:
        raise SchemaWalkError(f"table {table.name} needs a one-column primary key for the walk")
    return keys[0]


def links(metadata: MetaData) -> list[Link]:
    found = []
    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            found.append(Link(table.name, key.parent.name, key.column.table.name))
    return found


def referring_tables(metadata: MetaData, root: str = YOUTH_TABLE) -> list[Table]:
    """Every table with a foreign key to the youth, directly or through other such tables,
    in metadata dependency order (parents first)."""
    reached = {root}
    all_links = links(metadata)
    changed = True
    while changed:
        changed = False
        for link in all_links:
            if link.target in reached and link.table not in reached:
                reached.add(link.table)
                changed = True
    return [t for t in metadata.sorted_tables if t.name in reached and t.name != root]


async def youth_rows(session: AsyncSession, metadata: MetaData, youth_id: int) -> YouthRows:
    """Collect the ids, table by table, until no new row turns up (the walk is a fixpoint, so
    chains of any length and their order in the metadata do not matter)."""
    tables = referring_tables(metadata)
    youth_table = metadata.tables[YOUTH_TABLE]
    chat_id = (
        await session.exec(
            select(youth_table.c.telegram_chat_id).where(youth_table.c.id == youth_id)
        )
    ).scalar_one_or_none()
    found = YouthRows(youth_id)
    changed = True
    while changed:
        changed = False
        for table in tables:
            key = _key_column(table)
            conditions = []
            for column in table.columns:
                for foreign in column.foreign_keys:
                    target = foreign.column.table.name
                    if target == YOUTH_TABLE:
                        conditions.append(column == youth_id)
                    elif found.ids.get(target):
                        conditions.append(column.in_(sorted(found.ids[target])))
            if table.name in MESSAGE_TABLES:
                conditions += _pointed_at_by_found(tables, table, found)
            if chat_id is not None:
                conditions += [
                    table.c[name] == chat_id
                    for name in CHAT_ID_COLUMNS
                    if name in table.c and not table.c[name].foreign_keys
                ]
            if not conditions:
                continue
            ids = set((await session.exec(select(key).where(or_(*conditions)))).scalars())
            if not ids <= found.ids[table.name]:
                found.ids[table.name] |= ids
                changed = True
    return found


def _pointed_at_by_found(tables: list[Table], target: Table, found: YouthRows) -> list[Any]:
    """`target` rows that a found row of another table points at."""
    key = _key_column(target)
    conditions: list[Any] = []
    for table in tables:
        ids = found.ids.get(table.name)
        if table is target or not ids:
            continue
        for column in table.columns:
            if any(f.column.table is target for f in column.foreign_keys):
                owners = select(column).where(_key_column(table).in_(sorted(ids)))
                conditions.append(key.in_(owners))
    return conditions
