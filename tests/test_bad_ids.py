"""Class guard: an id that no row can have, in any URL or in the query parameters that name
rows, is a 404, never a 500 (``?scope=99999999999999999999`` was an ``OverflowError``,
``proposals/new/?item=abc`` a ``ValueError``).
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from opmodel.registry import registry
from tests.workshops.conftest import make_workshop

pytestmark = pytest.mark.django_db

HUGE = 99999999999999999999  # past a bigint


def _int_patterns(patterns, prefix: str = "", namespace: str = "") -> list[tuple[str, dict]]:
    found = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue
            found += _int_patterns(
                pattern.url_patterns,
                prefix + str(pattern.pattern),
                pattern.namespace or namespace,
            )
        elif isinstance(pattern, URLPattern) and pattern.name:
            route = prefix + str(pattern.pattern)
            converters = re.findall(r"<(?:(\w+):)?(\w+)>", route)
            if any(kind == "int" for kind, _ in converters):
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append((name, dict((n, k or "str") for k, n in converters)))
    return found


def _url(name: str, params: dict, om, workshop) -> str:
    kwargs = {}
    for param, kind in params.items():
        if kind == "int":
            kwargs[param] = workshop.pk if param == "pk" and "workshop" in name else HUGE
        elif param == "slug":
            kwargs[param] = om.slug
        elif param == "key":
            kwargs[param] = registry.sections()[0].key
        else:
            kwargs[param] = "x"
    return reverse(name, kwargs=kwargs)


def test_every_url_with_an_impossible_id_is_a_404_not_a_500(small_om, people, client_for):
    workshop = make_workshop(small_om, people["facilitator"])
    client = client_for(people["facilitator"])
    client.raise_request_exception = False
    patterns = _int_patterns(get_resolver().url_patterns)
    assert len(patterns) > 20
    errors = {}
    for name, params in patterns:
        url = _url(name, params, small_om, workshop)
        for method in ("get", "post"):
            status = getattr(client, method)(url).status_code
            if status >= 500:
                errors[f"{method} {url}"] = status
    assert errors == {}
    assert IntConverter.regex == "[0-9]+"  # what the patterns above accept


@pytest.mark.parametrize("value", [str(HUGE), "abc", "0", "-1"])
def test_row_ids_in_query_parameters_are_a_404(small_om, people, client_for, value):
    workshop = make_workshop(small_om, people["facilitator"])
    client = client_for(people["facilitator"])
    client.raise_request_exception = False
    scoped = next(s for s in registry.sections() if s.scope_field)
    list_url = reverse("section-list", kwargs={"slug": small_om.slug, "key": scoped.key})
    assert client.get(list_url, {"scope": value}, HTTP_HX_REQUEST="true").status_code == 404
    propose = reverse("proposal-new", args=[small_om.slug, workshop.pk])
    response = client.get(propose, {"section": "canvas.stages", "item": value})
    assert response.status_code == 404
