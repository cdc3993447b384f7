"""Import: the 20,000-row benchmark cohort validated and imported, time and peak memory.

Each measurement runs in a fresh Python subprocess so its peak memory is its own: the child
reports its peak resident set size (`VmHWM` in /proc/self/status: the whole process,
interpreter, libraries and the work) when it is done. Not `getrusage(...).ru_maxrss`: on Linux
that survives exec, so a child forked from a big parent (the other benchmarks before it in
`python -m bench`) would report the parent's size. A `baseline` child that only imports the
same modules and opens the database shows the fixed part of the figure.

- `parse`: `bot.cohort.parse_cohort` on the file (decode, header, every value checked).
- `apply`: `bot.cohort.apply.import_cohort` (parse, compare with the database, write the
  youths, record declined offers, plan every youth's contacts) in one transaction, committed;
  on a database that has the schools and coordinators but no youths yet. Only when the
  importer is installed (`bot.cohort.apply`); otherwise this row says so and is skipped.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.common import (
    Measurement,
    RunningClock,
    base_parser,
    database_kinds,
    print_table,
    scratch_database,
    write_json,
)

PROJECT = Path(__file__).resolve().parents[1]
NAME = "import"
TARGET_SECONDS = 10.0
TARGET_MB = 300.0


def apply_available() -> bool:
    try:
        import bot.cohort.apply  # noqa: F401
    except ImportError:
        return False
    return True


# -- the child ----------------------------------------------------------------------------------


async def _child(mode: str, youths: int, db: str) -> dict[str, Any]:
    from bench.seed import COORDINATORS, SCHOOLS, cohort_bytes, parse_rows, seed_organisation
    from bot.cohort import parse_cohort
    from bot.conversations.plans import PlanSync
    from bot.scheduling import load_programmes
    from flows.loader import shipped_flows

    data = cohort_bytes(youths)
    plans = PlanSync(programmes=load_programmes(), flows=shipped_flows(), zone=_zone())
    result: dict[str, Any] = {"mode": mode, "rows": youths}
    clock = RunningClock()
    async with scratch_database(db) as database:
        await seed_organisation(database, clock.now())
        if mode == "parse":
            started = time.perf_counter()
            parsed = parse_cohort(
                data,
                known_schools=dict.fromkeys(SCHOOLS),
                known_coordinators=dict.fromkeys(COORDINATORS),
            )
            result["seconds"] = time.perf_counter() - started
            result["ok"] = parsed.ok and len(parsed.rows) == youths
        elif mode == "apply":
            from bot.cohort.apply import import_cohort

            started = time.perf_counter()
            async with database.transaction() as session:
                imported = await import_cohort(
                    session, data, dry_run=False, plans=plans, now=clock.now()
                )
            result["seconds"] = time.perf_counter() - started
            result["ok"] = imported.written and imported.report.created == youths
            result["contacts"] = imported.contacts_added
        elif mode == "baseline":
            parse_rows(1)
            result["seconds"] = 0.0
            result["ok"] = True
        else:
            raise ValueError(f"unknown mode {mode!r}")
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def peak_rss_mb() -> float:
    """This process's peak resident set size since exec, in MiB."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="utf-8").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _zone():  # type: ignore[no-untyped-def]
    from zoneinfo import ZoneInfo

    return ZoneInfo("Europe/Amsterdam")


def child_main(argv: Sequence[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True)
    parser.add_argument("--youths", type=int, required=True)
    parser.add_argument("--db", default="sqlite")
    args = parser.parse_args(argv)
    print(json.dumps(asyncio.run(_child(args.mode, args.youths, args.db))))


# -- the parent ---------------------------------------------------------------------------------


def in_child(mode: str, youths: int, db: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.importer", "--child", "--mode", mode]
    command += ["--youths", str(youths), "--db", db]
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=PROJECT)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} child failed:\n{done.stderr[-2000:]}")
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    if not outcome["ok"]:
        raise RuntimeError(f"{mode} child did not import every row: {outcome}")
    return outcome


def run(youths: int = 20_000, db: str = "both") -> list[Measurement]:
    results: list[Measurement] = []
    baseline = in_child("baseline", youths, "sqlite")
    results.append(
        Measurement(NAME, "baseline peak RSS", baseline["peak_rss_mb"], "MB",
                    note="a child that imports the modules and opens a database, nothing else")
    )  # fmt: skip
    parsed = in_child("parse", youths, "sqlite")
    results += [
        Measurement(NAME, f"parse+validate {youths} rows", parsed["seconds"], "s",
                    f"< {TARGET_SECONDS:.0f} s", parsed["seconds"] < TARGET_SECONDS),
        Measurement(NAME, "parse+validate peak RSS", parsed["peak_rss_mb"], "MB",
                    f"< {TARGET_MB:.0f} MB", parsed["peak_rss_mb"] < TARGET_MB),
    ]  # fmt: skip
    if not apply_available():
        results.append(
            Measurement(NAME, "import (apply)", 0.0, "s", f"< {TARGET_SECONDS:.0f} s", None,
                        "bot.cohort.apply is not installed: only parse+validate was measured")
        )  # fmt: skip
        return results
    for kind in database_kinds(db):
        applied = in_child("apply", youths, kind)
        results += [
            Measurement(NAME, f"import {youths} rows ({kind})", applied["seconds"], "s",
                        f"< {TARGET_SECONDS:.0f} s", applied["seconds"] < TARGET_SECONDS,
                        f"{applied['contacts']} contacts planned; one transaction, committed"),
            Measurement(NAME, f"import peak RSS ({kind})", applied["peak_rss_mb"], "MB",
                        f"< {TARGET_MB:.0f} MB", applied["peak_rss_mb"] < TARGET_MB),
        ]  # fmt: skip
    return results


def main(argv: Sequence[str] | None = None) -> list[Measurement]:
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--child" in argv:
        argv.remove("--child")
        child_main(argv)
        return []
    parser = base_parser(__doc__ or NAME, youths=20_000)
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args(argv)
    results = run(args.youths, args.db)
    print_table(results)
    if args.json:
        write_json(results, args.json)
    return results


if __name__ == "__main__":
    main()
