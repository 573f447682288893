"""The data Level 2's partials show besides their rows (``Section.partial_data``): the views
call these through ``Section.partial_context``, so the template tags only format."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from opmodel.access import Access

from . import selectors
from .models import Interaction
from .rules import led_squads


def _leads(access: Access) -> None:
    """Ask for the squads this user leads once, here: the partials' ``may_change`` and
    ``allows`` then read the request's memo instead of querying from a template tag. An editor
    or facilitator changes every squad's rows: the rules never ask whom they lead."""
    if not access.can_edit:
        led_squads(access)


def squads_data(*, access: Access, operating_model: Any, item: Any, **_: Any) -> dict[str, Any]:
    """The squads grid (by team type and mode of operation)."""
    _leads(access)
    if item is not None:
        return {}
    return {"grid": selectors.squads_overview(operating_model), "mode_list": selectors.modes()}


def owned_rows_data(*, access: Access, **_: Any) -> dict[str, Any]:
    """People and accountabilities: who may change which row."""
    _leads(access)
    return {}


def interactions_data(
    *, access: Access, operating_model: Any, scope: Any, item: Any, **_: Any
) -> dict[str, Any]:
    """A squad's interactions: those it starts are the rows; those others start with it are
    ``joined`` (shown beside them)."""
    _leads(access)
    if item is not None:
        return {}
    joined = (
        list(Interaction.objects.filter(operating_model=operating_model, partner_id=scope))
        if scope
        else []
    )
    return {"joined": joined}


def matrix_data(
    *, access: Access, operating_model: Any, request: Any, item: Any, **_: Any
) -> dict[str, Any]:
    """The accountability matrix, one area or all: the area the request asks for (``?area=``,
    or the address of the page a partial is fetched for), else the default
    (``selectors._area_shown``), where a capability just added (``?group=``) brings its own
    area."""
    _leads(access)
    if item is not None:
        return {}
    asked = fallback = None
    if request is not None:
        current = parse_qs(urlsplit(request.headers.get("HX-Current-URL", "")).query)
        asked = request.GET.get("area") or (current.get("area") or [None])[0]
        fallback = request.GET.get("group")
    return {"m": selectors.matrix(operating_model, access, asked, fallback)}
