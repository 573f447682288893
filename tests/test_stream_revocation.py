"""Class guard: every live stream re-checks its client's right while it streams, not only when
it opens. A member removed while streaming kept receiving the model's events; a revoked share
link's stream kept receiving comment events; viewers received the progress of exports they may
not download.

Every stream of the project (the model's, a workshop room's, a share link's) is the one loop
``opmodel.views.stream.event_stream`` with a ``still_allowed`` check; each is opened here, its
right is taken away, and the stream must end.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

import pytest

from opmodel import events
from opmodel.models import Export
from opmodel.services import member_remove
from opmodel.services.exports import _event
from tests.conftest import session_cookie
from tests.workshops.conftest import make_workshop
from tests.workshops.test_live import _listen, _wait_for
from workshops import services

pytestmark = pytest.mark.engine  # a server thread and its database connections


class Stream:
    def __init__(self, url: str, cookies: dict[str, str]) -> None:
        self.out: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=_listen, args=(url, cookies, self.out, self.stop), daemon=True
        )
        self.thread.start()
        assert _wait_for(self.out, "status")[1] == 200
        _wait_for(self.out, "hello")

    def ended(self, within: float = 5) -> bool:
        self.thread.join(timeout=within)
        return not self.thread.is_alive()

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)


@pytest.fixture
def server(asgi_server, settings):
    settings.OPMODEL_SSE_RECHECK_SECONDS = 0.2
    return asgi_server


def _model_url(server, om, workshop, link) -> str:
    return f"{server}/m/{om.slug}/events/"


def _room_url(server, om, workshop, link) -> str:
    return f"{server}/m/{om.slug}/workshops/{workshop.pk}/events/"


def _share_url(server, om, workshop, link) -> str:
    return f"{server}/m/{om.slug}/workshops/share/{services.share_token(link)}/events/"


def _remove(people, om, workshop, link) -> None:
    member_remove(operating_model=om, actor=people["facilitator"], user=people["participant"])


def _revoke(people, om, workshop, link) -> None:
    services.share_link_revoke(link=link, actor=people["facilitator"])


STREAMS: list[tuple[str, Callable, Callable]] = [
    ("model stream, member removed", _model_url, _remove),
    ("room stream, member removed", _room_url, _remove),
    ("share stream, link revoked", _share_url, _revoke),
]


@pytest.mark.parametrize(("name", "url", "take_away"), STREAMS, ids=[s[0] for s in STREAMS])
def test_a_stream_ends_when_its_right_is_taken_away(server, small_om, people, name, url, take_away):
    workshop = make_workshop(small_om, people["facilitator"])
    boss = people["facilitator"]
    services.attendee_add(workshop=workshop, actor=boss, user=people["participant"])
    link = services.share_link_create(workshop=workshop, actor=people["facilitator"])
    stream = Stream(url(server, small_om, workshop, link), session_cookie(people["participant"]))
    try:
        assert not stream.ended(within=0.6)  # rechecked a few times: still allowed
        take_away(people, small_om, workshop, link)
        assert stream.ended()
    finally:
        stream.close()


def test_export_progress_reaches_only_those_who_may_download_it(server, small_om, people):
    url = f"{server}/m/{small_om.slug}/events/"
    viewer = Stream(url, session_cookie(people["viewer"]))
    participant = Stream(url, session_cookie(people["participant"]))
    try:
        draft_picture = Export(
            pk=1, operating_model=small_om, kind="picture", status="rendering", progress=40
        )
        events.broadcaster().publish(small_om.channel, _event(draft_picture))
        events.broadcaster().publish(small_om.channel, {"type": "change", "n": 1})
        _wait_for(participant.out, "export", lambda d: d["id"] == 1)
        seen = []
        deadline = time.monotonic() + 5
        while not any(name == "change" for name, _ in seen) and time.monotonic() < deadline:
            try:
                seen.append(viewer.out.get(timeout=0.2))
            except queue.Empty:
                continue
        assert ("change", {"type": "change", "n": 1}) in seen
        assert [name for name, _ in seen if name == "export"] == []
    finally:
        viewer.close()
        participant.close()
