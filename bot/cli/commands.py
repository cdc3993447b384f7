"""The list of sub-commands, in the order `inbeeld --help` shows them."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.cli import (
    db_commands,
    import_commands,
    invite_commands,
    keys_commands,
    org_commands,
    run_commands,
    schedule_commands,
)

Register = Callable[[argparse._SubParsersAction], None]

REGISTRY: list[Register] = [
    run_commands.register_run,
    run_commands.register_demo,
    db_commands.register,
    schedule_commands.register,
    org_commands.register_school,
    org_commands.register_user,
    import_commands.register,
    invite_commands.register,
    keys_commands.register,
]
