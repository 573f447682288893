from __future__ import annotations

import copy
import re

import pytest
from django.urls import reverse

from canvas.models import Metric, Principle
from opmodel.models import Release
from opmodel.registry import registry
from opmodel.services import part_delete, part_update
from opmodel.versions import snapshot_build

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


def _main(html: bytes) -> bytes:
    """The page's content, without the per-request nonce and CSRF tokens (the PDF buttons'
    forms carry one, masked afresh on every response)."""
    main = html.split(b"<main", 1)[-1].split(b"</main>", 1)[0]
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", main)


def test_releases_are_numbered_and_hold_the_whole_model(om, publish, people):
    first = publish(om, "First")
    second = publish(om, "Second")
    assert (first.number, second.number) == (1, 2)
    assert first.label == "v1"
    assert first.published_by == people["facilitator"]
    assert first.snapshot == snapshot_build(om)
    # every registered section, every row with its id
    assert list(first.snapshot["sections"]) == [s.key for s in registry.sections()]
    metrics = first.snapshot["sections"]["canvas.metrics"]
    assert sorted(m["id"] for m in metrics) == sorted(
        Metric.objects.filter(operating_model=om).values_list("pk", flat=True)
    )


def test_a_later_edit_changes_neither_the_release_nor_its_pages(om, publish, people, client_for):
    release = publish(om, "Before the workshop")
    frozen = copy.deepcopy(release.snapshot)
    client = client_for(people["viewer"])
    pages = [
        release.get_absolute_url(),
        reverse("picture-release", args=[om.slug, release.number]),
        reverse("model-export", args=[om.slug]) + "?release=1",
    ]
    before = [_main(client.get(url).content) for url in pages]
    metric = Metric.objects.filter(operating_model=om).first()
    part_update(
        section=registry.get("canvas.metrics"),
        part=metric,
        revision=metric.revision,
        actor=people["editor"],
        data={"name": "Renamed after the release"},
    )
    principle = Principle.objects.filter(operating_model=om).first()
    part_delete(
        section=registry.get("canvas.principles"),
        part=principle,
        revision=principle.revision,
        actor=people["editor"],
    )
    release.refresh_from_db()
    assert release.snapshot == frozen
    after = [_main(client.get(url).content) for url in pages]
    assert after == before
    assert b"Renamed after the release" not in after[0] + after[1]
    assert b"Renamed after the release" in client.get(reverse("picture", args=[om.slug])).content


def test_the_release_picture_is_drawn_from_the_snapshot(om, publish, people, client_for):
    release = publish(om, "Socialised")
    html = client_for(people["viewer"]).get(
        reverse("picture-release", args=[om.slug, release.number])
    )
    text = html.content.decode()
    assert "Release v1 · Socialised" in text
    assert "To bring the glory of Quokkas to the entire world" in text
    assert "Decisions made with trusted data products" in text  # the north star
    assert "Live draft" not in text


def test_the_releases_page_says_whether_the_draft_moved_on(om, publish, people, client_for):
    client = client_for(people["viewer"])
    url = reverse("releases", args=[om.slug])
    assert "Nothing is released yet" in client.get(url).content.decode()
    publish(om, "First")
    assert "nothing is unreleased" in client.get(url).content.decode()
    metric = Metric.objects.filter(operating_model=om).first()
    part_update(
        section=registry.get("canvas.metrics"),
        part=metric,
        revision=metric.revision,
        actor=people["editor"],
        data={"target": "99"},
    )
    html = client.get(url).content.decode()
    assert "1 unreleased change" in html
    assert "1 metric changed" in html


def test_publishing_through_the_page(om, people, client_for):
    client = client_for(people["facilitator"])
    response = client.post(
        reverse("release-new", args=[om.slug]), {"title": "After March", "notes": "Why"}
    )
    release = Release.objects.get(operating_model=om)
    assert response.status_code == 302
    assert response["Location"] == release.get_absolute_url()
    assert (release.title, release.notes) == ("After March", "Why")
    refused = client.post(reverse("release-new", args=[om.slug]), {"title": ""})
    assert refused.status_code == 422
    assert Release.objects.filter(operating_model=om).count() == 1


def test_a_release_the_model_does_not_have_is_a_404_on_every_release_url(
    small_om, other_om, publish, people, client_for
):
    """One lookup (``release_in_model``) behind every page that names a release: a number the
    model has no release of, another model's release, text or a number past a bigint: 404."""
    publish(small_om, "Ours")
    publish(other_om, "Theirs", actor=people["outsider"])
    client = client_for(people["viewer"])
    urls = [
        lambda n: reverse("release-detail", args=[small_om.slug, n]),
        lambda n: reverse("picture-release", args=[small_om.slug, n]),
        lambda n: reverse("model-export", args=[small_om.slug]) + f"?release={n}",
    ]
    for url in urls:
        assert client.get(url(1)).status_code == 200
        for missing in (2, 2**63, 2**70):
            assert client.get(url(missing)).status_code == 404, (url(missing),)
    assert client.get(urls[2]("v1")).status_code == 404
    assert client.get(urls[2]("one")).status_code == 404
    exports = client_for(people["editor"])
    for missing in ("v2", "two", "v99999999999999999999"):
        response = exports.post(
            reverse("export-new", args=[small_om.slug]), {"kind": "picture", "release": missing}
        )
        assert response.status_code == 404, missing


def test_a_snapshot_json_cannot_hold_is_refused_on_save_and_nothing_is_published(
    om, people, monkeypatch
):
    """release_publish leaves the snapshot and the findings out of full_clean (they are built
    from the database, and checking them encodes the whole model once more, issue 18): a value
    JSON cannot hold still fails, when the release is saved, and no release is left."""
    from opmodel.services import release_publish
    from opmodel.services import releases as service

    monkeypatch.setattr(service, "snapshot_build", lambda operating_model: {"x": object()})
    with pytest.raises(TypeError):
        release_publish(operating_model=om, actor=people["facilitator"], title="Broken")
    assert not Release.objects.filter(operating_model=om).exists()
