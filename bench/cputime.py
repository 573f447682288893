"""CPU time of a command and of everything it starts, Chromium's renderers included.

    .venv/bin/python -m bench.cputime [--out FILE] -- COMMAND [ARG ...]

``/usr/bin/time`` (and ``getrusage(RUSAGE_CHILDREN)``) counts a descendant's CPU only once its
parent has waited for it, and each level up the tree has waited in turn. Chromium's renderers
are not reaped up the tree that way (they are orphaned when the browser closes), and their CPU
is lost. A browser test module
loading 15 pages, measured both ways at once: ``/usr/bin/time`` said 20.5 s of CPU, this 24.7 s
(summing the living Chromium processes in /proc just before the browser closed had found 3.8 s
more than ``getrusage`` counted for them afterwards). Browser tests measured with
``/usr/bin/time`` miss a large part of Chromium's CPU.

Here the command runs under a child subreaper (``PR_SET_CHILD_SUBREAPER``): whatever it starts
and leaves behind is re-parented to this process and reaped here, so every process's CPU is
counted. Prints (or writes to ``--out``) ``<user> user <sys> sys <wall> wall`` in seconds, and
exits with the command's status.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import subprocess
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write the line here instead of standard error")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    started = time.monotonic()
    child = subprocess.Popen(command)
    status = 0
    while True:  # the command, then whatever it left behind (re-parented here)
        try:
            pid, wait_status = os.wait()
        except ChildProcessError:
            break
        if pid == child.pid:
            status = os.waitstatus_to_exitcode(wait_status)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    line = (
        f"{usage.ru_utime:.2f} user {usage.ru_stime:.2f} sys "
        f"{time.monotonic() - started:.2f} wall\n"
    )
    if args.out:
        with open(args.out, "w") as out:
            out.write(line)
    else:
        sys.stderr.write(line)
    return status


if __name__ == "__main__":
    sys.exit(main())
