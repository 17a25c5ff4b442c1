#!/usr/bin/env python3
"""Bootstrap and task runner: needs only Python 3.11+ (and PyPI).

    python3 dev.py demo      the main job on its embedded defaults
    python3 dev.py test      lint, type-check and run the whole test suite
    python3 dev.py sync      only create / update the environment (.venv)
    python3 dev.py run ...   run a command inside the environment

The first call installs uv into .xsell/tools and syncs .venv from the committed uv.lock.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".xsell" / "tools"
VENV = ROOT / ".venv"
BIN = "Scripts" if os.name == "nt" else "bin"
LINT_TARGETS = ["xsell_connect", "adapters", "mocks", "tests", "bench", "dev.py"]


def _uv() -> Path:
    uv = TOOLS / BIN / "uv"
    if not uv.exists():
        print("dev.py: installing uv into .xsell/tools", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(TOOLS)
        subprocess.run(
            [str(TOOLS / BIN / "python"), "-m", "pip", "install", "--quiet", "uv>=0.5"],
            check=True,
        )
    return uv


def sync() -> None:
    subprocess.run(
        [str(_uv()), "sync", "--frozen", "--all-packages", "--quiet"],
        check=True,
        cwd=ROOT,
        env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(VENV)},
    )


def run(*argv: str) -> int:
    sync()
    exe = VENV / BIN / argv[0]
    command = [str(exe) if exe.exists() else argv[0], *argv[1:]]
    return subprocess.run(command, cwd=ROOT).returncode


def test(extra: list[str]) -> int:
    sync()
    steps = [
        ["ruff", "check", *LINT_TARGETS],
        ["ruff", "format", "--check", *LINT_TARGETS],
        ["mypy", "--strict"],
        ["pytest", *extra],
    ]
    for step in steps:
        print(f"dev.py: {' '.join(step)}", file=sys.stderr, flush=True)
        code = subprocess.run([str(VENV / BIN / step[0]), *step[1:]], cwd=ROOT).returncode
        if code:
            return code
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    task, rest = argv[0], argv[1:]
    if task == "demo":
        return run("xsell-connect", "demo", *rest)
    if task == "test":
        return test(rest)
    if task == "sync":
        sync()
        return 0
    if task == "run" and rest:
        return run(*rest)
    print(f"dev.py: unknown task {task!r}\n{__doc__}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
