"""The handbook's body, laid out and written in parts by two worker processes at once.

Each part (a group of pieces: a chapter, or a run of one, with the short pieces that run on
under it) is laid out and written in a process forked for it, which sends its PDF back and
exits: a process holds one part at most (memory), and two parts are made at once (the
machine's two cores: what a user waits for is halved).

A part's page numbers depend on the parts before it, but its body does not: a worker lays
its part out, and only its margin boxes (made after the body) wait for the page it starts on
(``weasy.PAGE_OFFSET``). The coordinator (this process) hands out parts assuming none runs
on, the largest first and then the others in order (``hand_out_order``): a worker that has
laid its part out before the parts ahead of it waits for its first page, and another starts
meanwhile (``WAITING``). When a part turns out short with a mostly empty last page, it is laid out
again with the next piece running on under it, and the worker that had started that next
piece is stopped. The result is the same, page for page, as laying the parts out one after
the other (``processes=1``, which also serves where there is no ``fork``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, Pipe, wait
from typing import Any

from .weasy import PAGE_OFFSET, PDF_OPTIONS, Fetches, load_stylesheet

# Processes laying parts out at once (the machine has two cores).
PROCESSES = 2
# Seconds the workers may all stay silent (no part laid out or written, no page asked for)
# before the render fails (and can be retried) instead of waiting for ever: a worker forked
# while another thread of this process held a library's lock (two renders at once in the
# embedded default's threads) could wait on it for ever. A large part takes well under a
# minute of CPU.
SILENCE_LIMIT = 600.0
# Workers that have laid their part out and wait for its first page (the parts before it are
# not all laid out yet), beside the ``PROCESSES`` at work: they use no CPU, and hold a laid-out
# part in memory each.
WAITING = 2


@dataclass
class Part:
    """A group of pieces laid out: ``pieces[start:end]``, its pages, the page each chapter
    starts on, and (once written) its PDF."""

    start: int
    end: int
    pages: int = 0
    starts: dict[str, int] = field(default_factory=dict)
    pdf: bytes = b""


# lay_out(pieces[start:end] with the later ones running on) -> a WeasyPrint Document
LayOut = Callable[[int, int, Fetches], Any]
# whether a laid-out part of pieces[start:end] should take the next piece under it
RunsOn = Callable[[Any, int, int], bool]
# a part that keeps its pieces, laid out once more where it must be (its pages balanced)
Settle = Callable[[Any, int, int], Any]
# the page each chapter of pieces[start:end] starts on, numbered from ``first_page``
Starts = Callable[[Any, int, int, int], dict[str, int]]


@dataclass(frozen=True)
class PartMaker:
    """How a part is made: laid out, runs on or not, settled, its chapters' first pages."""

    lay_out: LayOut
    runs_on: RunsOn
    settle: Settle
    starts: Starts


def _lay_out_part(
    maker: PartMaker,
    start: int,
    end: int,
    ask_first_page: Callable[[], int],
    fetches: Fetches,
) -> tuple[Any, Part | None]:
    """Lay out pieces[start:end]; None when it should take the next piece too."""

    def offset() -> int:
        return ask_first_page() - 1

    token = PAGE_OFFSET.set(offset)
    try:
        document = maker.lay_out(start, end, fetches)
        if maker.runs_on(document, start, end):
            return document, None
        document = maker.settle(document, start, end)
    finally:
        PAGE_OFFSET.reset(token)
    first_page = ask_first_page()
    starts = maker.starts(document, start, end, first_page)
    return document, Part(start, end, len(document.pages), starts)


def render_parts_inline(
    count: int,
    first_page: int,
    maker: PartMaker,
    fetches: Fetches,
    done: Callable[[Part], None],
) -> int:
    """The parts one after the other in this process; ``done`` gets each, in order. Returns
    the page after the last."""
    start, end, page = 0, 1, first_page

    def first_page_of_part() -> int:
        return page

    while start < count:
        document, part = _lay_out_part(maker, start, end, first_page_of_part, fetches)
        if part is None:
            end += 1
            continue
        part.pdf = document.write_pdf(**PDF_OPTIONS)
        del document
        page += part.pages
        done(part)
        start, end = part.end, part.end + 1
    return page


def _worker(conn: Connection, maker: PartMaker, start: int, end: int) -> None:
    """A forked worker: lays out one part, reports it, writes it; never returns."""
    status = 0
    # No garbage collection in a worker: what it lays out lives until it has written its part
    # and exits, and each pass walked all of it (two of the workers' 16 CPU-s on the large
    # handbook, their peak RSS the same without).
    gc.disable()
    try:
        first: list[int] = []

        def ask_first_page() -> int:
            if not first:
                conn.send(("page?",))
                first.append(int(conn.recv()))
            return first[0]

        fetches = Fetches()
        document, part = _lay_out_part(maker, start, end, ask_first_page, fetches)
        if part is None:
            conn.send(("runs on",))
        else:
            conn.send(("laid out", part.pages, part.starts))
            pdf = document.write_pdf(**PDF_OPTIONS)
            conn.send(("written", pdf, fetches.served, fetches.refused))
    except BaseException:  # everything goes back to the coordinator
        status = 1
        with contextlib.suppress(OSError):
            conn.send(("failed", traceback.format_exc()))
    finally:
        conn.close()
        os._exit(status)  # no atexit handlers, no closing of the parent's connections


def hand_out_order(count: int, sizes: list[int]) -> list[int]:
    """The order the pieces are handed out to workers in: the largest first, then the others
    in order. Handed out in order, the largest (the large handbook's last journeys and its
    pain points: a fifth of the work) was laid out last, by one worker, while the other had
    nothing left to do; handed out first, it is laid out beside the first pieces and waits
    for its first page (``WAITING``) while the others are laid out in order."""
    if not count:
        return []
    largest = max(range(count), key=lambda i: (sizes[i], -i))
    return [largest, *(i for i in range(count) if i != largest)]


@dataclass
class _Job:
    start: int
    end: int
    pid: int
    conn: Connection
    waiting: bool = False  # asked for its first page, not told yet
    part: Part | None = None


def _fork(maker: PartMaker, start: int, end: int) -> _Job:
    ours, theirs = Pipe()
    with warnings.catch_warnings():
        # Python warns that forking a process with threads may deadlock; the worker only
        # lays out and writes (no logging, no database, no locks taken by other threads).
        warnings.simplefilter("ignore", DeprecationWarning)
        # This process's objects are left out of the worker's garbage collections: a
        # collection writes to every object it looks at, and each page so written is copied
        # into the worker (the fork shares them until then).
        gc.freeze()
        pid = os.fork()
    if pid != 0:
        gc.unfreeze()
    if pid == 0:  # pragma: no cover - the worker: its coverage is not collected
        ours.close()
        _worker(theirs, maker, start, end)
    theirs.close()
    return _Job(start, end, pid, ours)


def _reap(job: _Job, *, stop: bool = False) -> None:
    if stop:
        with contextlib.suppress(ProcessLookupError):
            os.kill(job.pid, signal.SIGKILL)
    job.conn.close()
    os.waitpid(job.pid, 0)


class _Workers:
    """Hands the parts out to forked workers, in order, and collects them."""

    def __init__(self, count: int, first_page: int, maker: PartMaker, sizes: list[int]):
        self.count = count
        self.maker = maker
        self.jobs: list[_Job] = []
        self.frontier = 0  # every piece before it is in a part laid out
        self.page = first_page  # where the part starting at the frontier starts
        self.queue = hand_out_order(count, sizes)  # the pieces no part has taken yet
        self.finished: dict[int, Part] = {}  # written parts, by start, until their turn
        self.handed = 0  # parts passed on, up to this piece

    def fork(self, start: int, end: int, *, first: bool = False) -> None:
        job = _fork(self.maker, start, end)
        self.jobs.insert(0 if first else len(self.jobs), job)

    def reply_if_due(self, job: _Job) -> None:
        if job.waiting and job.start == self.frontier:
            job.conn.send(self.page)
            job.waiting = False

    def runs_on(self, job: _Job) -> None:
        """Lay the part out again with the next piece under it; whoever started that piece on
        its own is stopped."""
        self.jobs.remove(job)
        _reap(job)
        # parts before it are being written; the one starting with the piece it takes is not
        for other in [j for j in self.jobs if j.start == job.end]:
            self.jobs.remove(other)
            _reap(other, stop=True)
            # the pieces that part had taken after the first are handed out again
            self.queue[:0] = range(other.start + 1, other.end)
        if job.end in self.queue:
            self.queue.remove(job.end)
        self.fork(job.start, job.end + 1, first=True)

    def laid_out(self, job: _Job, pages: int, starts: dict[str, int]) -> None:
        job.part = Part(job.start, job.end, pages, starts)
        self.frontier, self.page = job.end, self.page + pages
        for other in self.jobs:
            self.reply_if_due(other)

    def written(self, job: _Job, pdf: bytes, done: Callable[[Part], None]) -> None:
        part = job.part
        if part is None:
            raise RuntimeError("a handbook worker wrote a part it had not laid out")
        part.pdf = pdf
        self.jobs.remove(job)
        _reap(job)
        self.finished[part.start] = part
        while self.handed in self.finished:
            in_turn = self.finished.pop(self.handed)
            done(in_turn)
            self.handed = in_turn.end

    def receive(self, job: _Job, fetches: Fetches, done: Callable[[Part], None]) -> None:
        try:
            message = job.conn.recv()
        except EOFError:
            raise RuntimeError(
                f"a handbook worker ended without its part (pieces {job.start}-{job.end})"
            ) from None
        kind = message[0]
        if kind == "failed":
            raise RuntimeError(f"a handbook worker failed:\n{message[1]}")
        if kind == "page?":
            job.waiting = True
            self.reply_if_due(job)
        elif kind == "runs on":
            self.runs_on(job)
        elif kind == "laid out":
            self.laid_out(job, message[1], message[2])
        elif kind == "written":
            fetches.served.extend(message[2])
            fetches.refused.extend(message[3])
            self.written(job, message[1], done)

    def room_for_one(self, processes: int) -> bool:
        """Whether another worker may start: fewer than ``processes`` are at work (a worker
        waiting for its first page is not) and fewer than ``WAITING`` more are alive, or all
        that are alive wait (for a piece not handed out yet)."""
        working = sum(1 for job in self.jobs if not job.waiting)
        return working < processes and (len(self.jobs) < processes + WAITING or not working)

    def run(self, processes: int, fetches: Fetches, done: Callable[[Part], None]) -> int:
        load_stylesheet()
        try:
            while self.handed < self.count:
                while self.queue and self.room_for_one(processes):
                    start = self.queue.pop(0)
                    self.fork(start, start + 1)
                if not self.jobs:
                    raise RuntimeError(f"the handbook's parts stopped at piece {self.handed}")
                ready = wait([job.conn for job in self.jobs], timeout=SILENCE_LIMIT)
                if not ready:
                    raise RuntimeError(
                        f"no handbook worker said anything for {SILENCE_LIMIT:.0f} s "
                        f"(pieces {self.handed} on); the workers were stopped"
                    )
                for job in [j for j in self.jobs if j.conn in ready]:
                    if job in self.jobs:  # not stopped by a message handled just before
                        self.receive(job, fetches, done)
        finally:
            for job in self.jobs:
                _reap(job, stop=True)
        return self.page


def render_parts(
    count: int,
    first_page: int,
    maker: PartMaker,
    fetches: Fetches,
    done: Callable[[Part], None],
    processes: int = PROCESSES,
    sizes: list[int] | None = None,
) -> int:
    """``count`` pieces laid out and written in parts, in worker processes where the system
    can fork (the same parts either way); ``done`` gets each part in order. ``sizes``: what
    each piece costs to lay out, in any unit (``hand_out_order``)."""
    if processes > 1 and hasattr(os, "fork"):
        return _Workers(count, first_page, maker, sizes or [0] * count).run(
            processes, fetches, done
        )
    return render_parts_inline(count, first_page, maker, fetches, done)


__all__ = ["PROCESSES", "SILENCE_LIMIT", "Part", "PartMaker", "render_parts"]
