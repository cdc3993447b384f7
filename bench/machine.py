"""The machine a run happened on, for the README: CPU model, cores, memory, load, versions."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from pathlib import Path


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return None


def describe() -> str:
    memory = _memory_gb()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    parts = [
        f"date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",  # wall clock of the run, not domain time
        f"cpu: {_cpu_model()}",
        f"cores: {os.cpu_count()}",
        f"ram: {memory:.1f} GB" if memory is not None else "ram: unknown",
        f"load: {' '.join(f'{x:.2f}' for x in load)}" if load else "load: unknown",
        f"python: {platform.python_version()}",
    ]
    return " | ".join(parts)
