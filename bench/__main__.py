"""`python -m bench [NAME ...] [--youths N] [--db KIND] [--json PATH]`: run, print one table.

With no NAME every benchmark runs at full size, on SQLite and PostgreSQL (the two waves alone
take about 25 minutes). One NAME with its own options runs that benchmark's `main`
(`python -m bench answers --samples 50`); `python -m bench NAME --help` lists them.
`--youths N` sizes every selected benchmark for a quick run (e.g. `--youths 200`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import answers, idle, importer, panel, wave
from bench.common import Measurement, print_table, write_json
from bench.machine import describe

MODULES = {
    "wave": wave,
    "idle": idle,
    "answers": answers,
    "panel": panel,
    "import": importer,
}
ALIASES = {"importer": "import"}


def runner(name: str, youths: int | None, db: str | None) -> Callable[[], list[Measurement]]:
    """One benchmark at its default size, or scaled to `youths`."""
    both = db or "both"
    if name == "wave":
        size = youths or 20_000
        kinds = [db] if db in ("sqlite", "postgres") else ["sqlite", "postgres"]
        return lambda: [m for kind in kinds for m in asyncio.run(wave.run(size, kind))]
    if name == "idle":
        return lambda: asyncio.run(idle.run(youths or 20_000, both))
    if name == "answers":
        if youths is None:
            return lambda: asyncio.run(answers.run(db=both))
        samples = max(2, youths // 4)
        concurrency = max(1, min(20, youths // 4))
        return lambda: asyncio.run(
            answers.run(youths, both, samples=samples, rounds=2, concurrency=concurrency)
        )
    if name == "panel":
        requests = 100 if youths is None else max(5, min(100, youths // 4))
        return lambda: asyncio.run(panel.run(youths or 20_000, both, requests))
    if name == "import":
        return lambda: importer.run(youths or 20_000, both)
    raise ValueError(f"unknown benchmark {name!r}")


def run_all(names: Sequence[str], youths: int | None, db: str | None) -> list[Measurement]:
    results: list[Measurement] = []
    for name in names:
        print(f"== {name} ...", file=sys.stderr, flush=True)
        measured = runner(name, youths, db)()
        print_table(measured)
        results += measured
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    names = []
    while args and not args[0].startswith("-"):
        name = ALIASES.get(args[0], args[0])
        if name not in MODULES:
            print(f"unknown benchmark {args[0]!r}; known: {', '.join(MODULES)}", file=sys.stderr)
            return 2
        names.append(name)
        args.pop(0)
    if len(names) == 1:
        if "-h" not in args and "--help" not in args:
            print(describe(), flush=True)
        MODULES[names[0]].main(args)  # the benchmark's own options
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--youths", type=int, help="size for every selected benchmark")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"))
    parser.add_argument("--json", type=Path, help="also write all measurements to this file")
    known = parser.parse_args(args)
    print(describe(), flush=True)
    results = run_all(names or list(MODULES), known.youths, known.db)
    print()
    print_table(results)
    if known.json:
        write_json(results, known.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
