"""bench.cputime counts the CPU of what a command leaves behind (as Chromium leaves its
renderers), which ``/usr/bin/time`` and ``getrusage`` miss."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

# Started by the command, which exits at once with status 3 without waiting for it: an orphan.
# It burns some CPU and writes down how much.
ORPHAN = textwrap.dedent(
    """
    import sys, time
    n = 0
    while time.process_time() < 0.3:
        n += 1
    open(sys.argv[1], "w").write(str(time.process_time()))
    """
)


def test_the_cpu_of_a_process_the_command_left_behind_is_counted(tmp_path: Path) -> None:
    burnt, out = tmp_path / "burnt", tmp_path / "out"
    script = tmp_path / "orphan.py"
    script.write_text(ORPHAN)
    command = f"{sys.executable} {script} {burnt} & exit 3"
    done = subprocess.run(
        [sys.executable, "-m", "bench.cputime", "--out", str(out), "--", "sh", "-c", command],
        check=False,
    )
    assert done.returncode == 3  # the command's own status
    assert burnt.exists()  # the orphan was waited for
    user, _, system, _, _, _ = out.read_text().split()
    # (each of user and sys is rounded to 10 ms)
    assert float(user) + float(system) >= float(burnt.read_text()) - 0.01
