"""The life of an export: asked for, rendered once (releases) or fresh (the draft), idempotent,
retried, and failing loudly when rendering or the broker fails. WeasyPrint is stood in for
here (``fake_render``): the pages themselves are tested in test_pdfs_*.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from opmodel import events
from opmodel.models import Export
from opmodel.services import export_render, export_request, export_retry, release_publish
from opmodel.services.exports import QUEUE_DOWN, ExportQueueUnavailable
from tests.exports.conftest import FAKE_PDF, celery_broker

pytestmark = [pytest.mark.engine, pytest.mark.django_db]
Status = Export.Status


class Recorder(events.Broadcaster):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[dict] = []

    def publish(self, channel, message) -> None:
        self.sent.append(message)


@pytest.fixture
def recorder():
    hub = Recorder()
    old = events.set_broadcaster(hub)
    yield hub
    events.set_broadcaster(old)


@pytest.fixture
def release(om, people):
    return release_publish(operating_model=om, actor=people["facilitator"], title="v1")


@pytest.fixture
def inline(settings):
    settings.OPMODEL_EXPORTS_RUN = "inline"


def test_an_export_is_queued_then_rendered_on_commit_and_stored(
    om, people, release, fake_render, media, inline, recorder, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(
            operating_model=om, actor=people["viewer"], kind="picture", release=release
        )
        assert export.status == Status.QUEUED and fake_render == []
    export.refresh_from_db()
    assert export.status == Status.DONE and export.progress == 100 and export.pages == 1
    assert export.file.read() == FAKE_PDF
    assert export.requested_by == people["viewer"]
    assert export.started_at and export.finished_at and export.attempts == 1
    assert not export.file.name.startswith("media/")  # a name in storage, never a public URL
    seen = [(m["status"], m["progress"]) for m in recorder.sent if m["id"] == export.pk]
    assert seen[0] == ("queued", 0) and seen[-1] == ("done", 100)
    assert ("rendering", 40) in seen and ("rendering", 80) in seen


def test_a_release_export_asked_for_twice_is_rendered_once(
    om, people, release, fake_render, media, inline, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = export_request(
            operating_model=om, actor=people["viewer"], kind="picture", release=release
        )
    with django_capture_on_commit_callbacks(execute=True):
        again = export_request(
            operating_model=om, actor=people["editor"], kind="picture", release=release
        )
    assert again.pk == first.pk and again.status == Status.DONE
    assert len(fake_render) == 1
    assert Export.objects.filter(release=release, kind="picture").count() == 1


def test_the_draft_is_rendered_fresh_every_time(
    om, people, fake_render, media, inline, django_capture_on_commit_callbacks
):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            export_request(operating_model=om, actor=people["editor"], kind="handbook")
    assert len(fake_render) == 2
    assert Export.objects.filter(operating_model=om, release=None).count() == 2


def test_rendering_is_idempotent_a_done_export_is_not_rendered_again(
    om, people, release, fake_render, media
):
    export = export_request(
        operating_model=om, actor=people["viewer"], kind="picture", release=release
    )
    export_render(export_id=export.pk)
    export_render(export_id=export.pk)  # a redelivered message
    assert len(fake_render) == 1


def test_a_rendering_export_is_left_to_its_worker_unless_it_is_stale(
    om, people, release, fake_render, media, settings
):
    export = export_request(
        operating_model=om, actor=people["viewer"], kind="picture", release=release
    )
    Export.objects.filter(pk=export.pk).update(status=Status.RENDERING, started_at=timezone.now())
    export_render(export_id=export.pk)
    assert fake_render == []  # another worker has it
    long_ago = timezone.now() - dt.timedelta(seconds=settings.OPMODEL_EXPORT_STALE_SECONDS + 5)
    Export.objects.filter(pk=export.pk).update(started_at=long_ago)  # its worker died
    export_render(export_id=export.pk)
    export.refresh_from_db()
    assert len(fake_render) == 1 and export.status == Status.DONE and export.attempts == 1


def test_a_failing_render_records_the_error_and_a_retry_renders_it(
    om, people, release, media, monkeypatch, fake_render
):
    def broken(*args, **kwargs):
        raise RuntimeError("the layout engine fell over")

    export = export_request(
        operating_model=om, actor=people["editor"], kind="handbook", release=release
    )
    with monkeypatch.context() as patch:
        patch.setattr("opmodel.exports.render_pdf", broken)
        export_render(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == Status.FAILED
    assert export.error == "RuntimeError: the layout engine fell over"
    retried = export_retry(export=export, actor=people["editor"])
    assert retried.status == Status.QUEUED and retried.error == ""
    export_render(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == Status.DONE and export.attempts == 2


def test_asking_again_for_a_failed_release_export_queues_it_again(om, people, release, media):
    export = export_request(
        operating_model=om, actor=people["editor"], kind="picture", release=release
    )
    Export.objects.filter(pk=export.pk).update(status=Status.FAILED, error="boom")
    again = export_request(
        operating_model=om, actor=people["viewer"], kind="picture", release=release
    )
    assert again.pk == export.pk and again.status == Status.QUEUED and again.error == ""


def test_a_database_hiccup_puts_the_export_back_in_the_queue_for_the_task_to_retry(
    om, people, release, media, monkeypatch
):
    from django.db import OperationalError

    from opmodel.services.exports import TransientExportError

    def hiccup(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr("opmodel.exports.render_pdf", hiccup)
    export = export_request(
        operating_model=om, actor=people["editor"], kind="picture", release=release
    )
    with pytest.raises(TransientExportError):
        export_render(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == Status.QUEUED


def test_unknown_kinds_and_subjects_are_refused(om, people):
    with pytest.raises(ValidationError):
        export_request(operating_model=om, actor=people["editor"], kind="poster")
    with pytest.raises(ValidationError):
        export_request(operating_model=om, actor=people["editor"], kind="workshop", subject_id=999)


@pytest.fixture
def broker_down(settings):
    """Celery pointed at a Redis that is not there (nothing listens on port 9)."""
    settings.OPMODEL_EXPORTS_RUN = "celery"
    with celery_broker("redis://127.0.0.1:9/0"):
        yield


def test_a_broker_that_is_down_fails_the_request_fast_with_a_clear_message(
    om, people, release, broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    from redis.connection import Connection

    attempts: list[str] = []
    connect = Connection._connect

    def counted(self):
        attempts.append(f"{self.host}:{self.port}")
        return connect(self)

    monkeypatch.setattr(Connection, "_connect", counted)
    with (
        pytest.raises(ExportQueueUnavailable, match="cannot be reached"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        export_request(operating_model=om, actor=people["viewer"], kind="picture", release=release)
    # refused at once, no retry loop (kombu's default retries a refused connection for 6 s)
    assert 1 <= len(attempts) <= 2 and set(attempts) == {"127.0.0.1:9"}, attempts
    export = Export.objects.get(release=release, kind="picture")
    assert export.status == Status.FAILED and export.error == QUEUE_DOWN


def test_a_release_records_its_health_and_its_pdfs_show_that_not_todays(om, people):
    from opmodel.exports import pdf_source
    from opmodel.selectors import model_health
    from teams.models import Squad

    at_publish = [f.check for f in model_health(om)]
    release = release_publish(operating_model=om, actor=people["facilitator"], title="v1")
    assert [f["check"] for f in release.health] == at_publish
    Squad.objects.filter(operating_model=om).delete()  # the draft changes a lot afterwards
    source = pdf_source(om, release)
    assert [f.check for f in source.findings] == at_publish
    assert source.score == pdf_source(om, release).score
    assert pdf_source(om, None).score != source.score


def test_an_old_export_asked_for_again_is_not_taken_for_stuck(om, people, release, settings):
    from opmodel.services.exports import export_is_stuck

    export = export_request(
        operating_model=om, actor=people["editor"], kind="picture", release=release
    )
    long_ago = timezone.now() - dt.timedelta(seconds=settings.OPMODEL_EXPORT_STALE_SECONDS + 5)
    Export.objects.filter(pk=export.pk).update(
        status=Status.FAILED, created_at=long_ago, queued_at=long_ago
    )
    export.refresh_from_db()
    assert not export_is_stuck(export)
    retried = export_retry(export=export, actor=people["editor"])
    assert retried.status == Status.QUEUED and not export_is_stuck(retried)
    Export.objects.filter(pk=export.pk).update(queued_at=long_ago)  # the broker lost it
    retried.refresh_from_db()
    assert export_is_stuck(retried)


def test_a_task_that_finds_its_export_held_comes_back_when_the_holder_counts_as_lost(
    om, people, release, fake_render, media, settings, monkeypatch
):
    # A pool process killed mid-render hands its message back at once (reject_on_worker_lost):
    # the next delivery finds the export "rendering". It must not end there, acknowledged and
    # forgotten, but come back once the holder counts as lost, and then render it.
    from celery.exceptions import Retry

    from opmodel.tasks import export_render_task

    later: list[int] = []

    def retry(*args, countdown=None, **kwargs):  # what the worker would schedule
        later.append(countdown)
        return Retry()

    monkeypatch.setattr(export_render_task, "retry", retry)
    export = export_request(
        operating_model=om, actor=people["viewer"], kind="picture", release=release
    )
    Export.objects.filter(pk=export.pk).update(status=Status.RENDERING, started_at=timezone.now())
    with pytest.raises(Retry):
        export_render_task.run(export.pk)
    assert fake_render == [] and len(later) == 1
    assert 0 < later[0] <= settings.OPMODEL_EXPORT_STALE_SECONDS + 1
    long_ago = timezone.now() - dt.timedelta(seconds=settings.OPMODEL_EXPORT_STALE_SECONDS + 5)
    Export.objects.filter(pk=export.pk).update(started_at=long_ago)  # the holder is gone
    export_render_task.run(export.pk)  # the delivery that comes back
    export.refresh_from_db()
    assert export.status == Status.DONE and len(fake_render) == 1 and len(later) == 1


# ---------- without Redis: a bounded pool of render threads, a limit per person ----------


def test_without_redis_renders_wait_their_turn_in_a_small_pool(settings, monkeypatch):
    import threading

    from opmodel.services import exports

    settings.OPMODEL_EXPORTS_RUN = "thread"
    settings.OPMODEL_EXPORT_THREADS = 1
    monkeypatch.setattr(exports, "_executor", None)  # a pool of this test's size
    go = threading.Event()
    lock = threading.Lock()
    seen = {"active": 0, "most": 0, "done": []}

    def render(export_id: int) -> None:
        with lock:
            seen["active"] += 1
            seen["most"] = max(seen["most"], seen["active"])
        go.wait(timeout=30)
        with lock:
            seen["active"] -= 1
            seen["done"].append(export_id)

    monkeypatch.setattr(exports, "_render_in_thread", render)
    for export_id in (1, 2, 3):
        exports.export_dispatch(export_id)
    go.set()
    exports._pool().shutdown(wait=True)
    assert sorted(seen["done"]) == [1, 2, 3]
    assert seen["most"] == 1  # one thread rendered them one after another


def test_without_redis_one_person_may_have_only_a_few_pdfs_on_their_way(om, people, settings):
    settings.OPMODEL_EXPORTS_RUN = "thread"
    settings.OPMODEL_EXPORT_PER_USER = 2
    for _ in range(2):  # not rendered here (the commit never comes): they stay queued
        export_request(operating_model=om, actor=people["editor"], kind="handbook")
    with pytest.raises(ValidationError, match="2 PDFs on their way"):
        export_request(operating_model=om, actor=people["editor"], kind="picture")
    # someone else may still ask; and once one of them is done, so may they
    export_request(operating_model=om, actor=people["facilitator"], kind="picture")
    done = Export.objects.filter(requested_by=people["editor"]).first()
    Export.objects.filter(pk=done.pk).update(status=Status.DONE)
    export_request(operating_model=om, actor=people["editor"], kind="picture")


def test_a_request_and_a_retry_announce_the_queued_export_and_a_refusal_nothing(
    om, people, release, captured_events
):
    def announced() -> list[dict]:
        return captured_events.of(type="export")

    export = export_request(
        operating_model=om, actor=people["viewer"], kind="picture", release=release
    )
    assert announced() == [
        {
            "channel": om.channel,
            "type": "export",
            "id": export.pk,
            "kind": "picture",
            "release": release.pk,
            "subject": 0,
            "status": "queued",
            "progress": 0,
        }
    ]
    export_request(operating_model=om, actor=people["viewer"], kind="picture", release=release)
    with pytest.raises(ValidationError, match="still being rendered"):
        export_retry(export=export, actor=people["editor"])
    with pytest.raises(ValidationError):
        export_request(operating_model=om, actor=people["editor"], kind="poster")
    assert len(announced()) == 1  # the one on its way is not announced again
    Export.objects.filter(pk=export.pk).update(status=Status.FAILED, progress=40, error="boom")
    export_retry(export=export, actor=people["editor"])
    assert announced()[1] == announced()[0]  # queued again, from the start
    draft = export_request(operating_model=om, actor=people["editor"], kind="handbook")
    assert announced()[2] == {
        "channel": om.channel,
        "type": "export",
        "id": draft.pk,
        "kind": "handbook",
        "release": None,
        "subject": 0,
        "status": "queued",
        "progress": 0,
    }
    assert len(captured_events) == 3
