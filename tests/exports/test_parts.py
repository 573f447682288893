"""The handbook's parts shared out to forked workers (opmodel.exports.parts): the same parts,
page numbers and order as laid out one after the other, whatever runs on and whenever the
workers finish. WeasyPrint is stood in for: what is tested is the sharing out."""

from __future__ import annotations

import time
from typing import Any

import pytest

from opmodel.exports.parts import Part, PartMaker, hand_out_order, render_parts
from opmodel.exports.weasy import PAGE_OFFSET, Fetches

# (start, end) of pieces laid out together whose last page is mostly empty: they take the
# next piece. Part 1 runs on twice while part 0, slow to write, is still being written.
RUNS_ON = {(1, 2), (1, 3), (5, 6)}
SLOW_TO_WRITE = {(0, 1): 0.6}


class FakeDocument:
    def __init__(self, start: int, end: int) -> None:
        ask = PAGE_OFFSET.get()
        # the margin boxes' page numbers: WeasyPrint asks once the body is laid out
        self.offset = ask() if ask is not None else 0
        self.start, self.end = start, end
        self.pages = [None] * (end - start + 1)

    def write_pdf(self, **_options: Any) -> bytes:
        time.sleep(SLOW_TO_WRITE.get((self.start, self.end), 0.0))
        return f"{self.start}-{self.end} from page {self.offset + 1}".encode()


def lay_out(start: int, end: int, fetches: Fetches) -> FakeDocument:
    fetches.served.append(f"{start}-{end}")
    time.sleep(0.05 * (end - start))
    return FakeDocument(start, end)


def runs_on(document: FakeDocument, start: int, end: int) -> bool:
    return (start, end) in RUNS_ON


def starts(document: FakeDocument, start: int, end: int, first_page: int) -> dict[str, int]:
    return {f"piece-{start}": first_page}


def settle(document: FakeDocument, start: int, end: int) -> FakeDocument:
    return document


def _render(processes: int, sizes: list[int] | None = None) -> tuple[list[Part], int]:
    parts: list[Part] = []
    maker = PartMaker(lay_out, runs_on, settle, starts)
    page = render_parts(7, 3, maker, Fetches(), parts.append, processes, sizes)
    return parts, page


def _largest(piece: int) -> list[int]:
    return [9 if i == piece else 1 for i in range(7)]


# The largest piece is handed out first (parts.hand_out_order): one that a part before it takes
# when it runs on (2, 6), one laid out before the parts ahead of it, which waits for its page (4)
@pytest.mark.parametrize(
    ("processes", "sizes"),
    [(2, None), (3, None), (2, _largest(2)), (2, _largest(4)), (2, _largest(6)), (3, _largest(4))],
)
def test_workers_make_the_same_parts_in_the_same_order_as_one_process(processes, sizes):
    alone, last_page = _render(1)
    assert [(p.start, p.end) for p in alone] == [(0, 1), (1, 4), (4, 5), (5, 7)]
    shared, page = _render(processes, sizes)
    assert page == last_page == 3 + sum(p.pages for p in alone)
    assert [(p.start, p.end, p.pages, p.starts, p.pdf) for p in shared] == [
        (p.start, p.end, p.pages, p.starts, p.pdf) for p in alone
    ]
    # each part's page numbers start where the parts before it ended
    assert [p.pdf for p in shared] == [
        b"0-1 from page 3",
        b"1-4 from page 5",
        b"4-5 from page 9",
        b"5-7 from page 11",
    ]


def test_a_failing_worker_fails_the_render():
    def broken(start: int, end: int, fetches: Fetches) -> FakeDocument:
        if start == 4:
            raise ValueError("a part that cannot be laid out")
        return lay_out(start, end, fetches)

    maker = PartMaker(broken, runs_on, settle, starts)
    with pytest.raises(RuntimeError, match="a part that cannot be laid out"):
        render_parts(7, 3, maker, Fetches(), lambda _part: None, 2)


def test_workers_that_fall_silent_fail_the_render_instead_of_hanging_it(monkeypatch):
    """A worker stuck for ever (say on a lock another thread held when it was forked) fails
    the render, which can be retried, and is stopped: nothing waits on it for ever."""
    import os

    from opmodel.exports import parts

    monkeypatch.setattr(parts, "SILENCE_LIMIT", 0.5)
    pids: list[int] = []

    def stuck(start: int, end: int, fetches: Fetches) -> FakeDocument:
        if start == 4:
            time.sleep(3600)
        return lay_out(start, end, fetches)

    real_fork = parts._fork

    def fork(maker, start, end):
        job = real_fork(maker, start, end)
        pids.append(job.pid)
        return job

    monkeypatch.setattr(parts, "_fork", fork)
    maker = PartMaker(stuck, runs_on, settle, starts)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="no handbook worker said anything for 0 s"):
        render_parts(7, 3, maker, Fetches(), lambda _part: None, 2)
    assert pids
    for pid in pids:  # every worker was stopped and reaped
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    assert time.monotonic() - started < 3600  # it did not wait for the stuck worker


def test_the_largest_piece_is_handed_out_first_then_the_others_in_order():
    assert hand_out_order(5, [3, 1, 7, 7, 2]) == [2, 0, 1, 3, 4]
    assert hand_out_order(3, [0, 0, 0]) == [0, 1, 2]
    assert hand_out_order(0, []) == []
