"""No Docker engine runs here, so the Dockerfile's install steps are replayed in a fresh venv."""

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _instructions(name: str) -> list[str]:
    joined = re.sub(r"\\\n\s*", " ", DOCKERFILE)
    return [line.split(None, 1)[1] for line in joined.splitlines() if line.startswith(name + " ")]


def test_dockerfile_is_conventional():
    assert _instructions("FROM") == ["python:3.11-slim"]
    users = _instructions("USER")
    assert users and users[-1] not in ("root", "0")
    assert any("/healthz" in h for h in _instructions("HEALTHCHECK"))
    assert _instructions("CMD") == ['["inbeeld", "run"]']
    # Slim images have no fonts: without DejaVu the invitation cards print boxes for Arabic.
    assert any("fonts-dejavu-core" in step for step in _instructions("RUN"))


def test_compose_has_the_service_and_postgres():
    compose = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    assert "image: postgres" in compose
    assert "INBEELD_DATABASE_URL: postgresql://" in compose


@pytest.mark.slow
def test_the_image_install_steps_work_in_a_clean_environment(tmp_path):
    app = tmp_path / "app"
    app.mkdir()
    for copy in _instructions("COPY"):
        *sources, _target = copy.split()
        for source in sources:
            origin = ROOT / source
            if origin.is_dir():
                shutil.copytree(
                    origin, app / source, ignore=shutil.ignore_patterns("__pycache__", "*.mo")
                )
            else:
                shutil.copy2(origin, app / source)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    bin_dir = env_dir / "bin"
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "VIRTUAL_ENV": str(env_dir)}
    env.pop("PYTHONPATH", None)
    run_steps = [step for step in _instructions("RUN") if "pip install" in step]
    assert run_steps, "the Dockerfile installs the project with pip"
    for step in run_steps:
        # Only the project's own steps; creating /data and chown are the image's business.
        commands = [c.strip() for c in step.split("&&") if "mkdir" not in c and "chown" not in c]
        for command in commands:
            done = subprocess.run(
                command, shell=True, cwd=app, env=env, timeout=600, capture_output=True, text=True
            )
            assert done.returncode == 0, f"{command}: {done.stderr[-2000:]}"
    result = subprocess.run(
        [str(bin_dir / "inbeeld"), "--help"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "run" in result.stdout and "demo" in result.stdout
    compiled = list((app / "locales").rglob("*.mo"))
    if list((app / "locales").rglob("*.po")):
        assert compiled, "translations were not compiled at build"
    assert sys.version_info[:2] == (3, 11)
