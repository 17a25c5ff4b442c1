"""The bench runner stops a benchmark it gives up on together with what that started."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie still answers kill(0): it has exited, its parent has not reaped it yet.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="reads /proc (Linux)")
def test_stop_group_takes_down_the_benchmarks_own_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A benchmark child (in a session of its own, as ``_run_isolated`` starts it) that has
    started a server of its own, as the backfill starts a mock core: both are gone after
    ``_stop_group``, the grandchild too, although only the child was the runner's."""
    monkeypatch.syspath_prepend(str(ROOT))
    from bench.runner import _stop_group

    pid_file = tmp_path / "grandchild.pid"
    script = (
        "import subprocess, sys, time\n"
        "server = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(server.pid))\n"
        "time.sleep(120)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.monotonic() + 30
    while not (pid_file.exists() and pid_file.read_text()):
        assert time.monotonic() < deadline, "the child never started its server"
        time.sleep(0.05)
    grandchild = int(pid_file.read_text())
    assert _alive(grandchild)

    _stop_group(child)

    assert child.returncode == -15  # SIGTERM was enough
    deadline = time.monotonic() + 10  # the grandchild's parent is gone: init reaps it
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)
