"""Who may do what in an operating model, read from django-guardian object permissions."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from .models import ROLE_ORDER, ModelGroup, OperatingModel, Release, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class Access:
    """A user's permissions on one operating model, computed once per request."""

    operating_model: OperatingModel
    user: User | AnonymousUser
    perms: frozenset[str]
    role: Role | None
    checker: ObjectPermissionChecker | None = None
    # Per-request memo of bulk object-permission reads (see ``ids_with_perm``).
    _memo: dict[tuple[str, str], frozenset[Any]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def can_view(self) -> bool:
        return "view_operatingmodel" in self.perms

    @property
    def can_participate(self) -> bool:
        return "participate_operatingmodel" in self.perms

    @property
    def can_edit(self) -> bool:
        return "change_operatingmodel" in self.perms

    @property
    def can_manage(self) -> bool:
        return "manage_operatingmodel" in self.perms

    def has_object_perm(self, perm: str, obj: Model) -> bool:
        """An object permission on a row (e.g. a team lead's ``change_squad``)."""
        if self.checker is None:
            return False
        return self.checker.has_perm(perm, obj)

    def ids_with_perm(self, perm: str, model: type[Model]) -> frozenset[Any]:
        """Primary keys of this model's rows of ``model`` on which the user holds the object
        permission ``perm`` (``app_label.codename``), directly or through a group.

        One query per request and permission, whatever the number of rows asked about: pages
        check many rows (every squad column of a matrix), never one query per row. Only members
        who can see the model hold row permissions here; global permissions do not count.
        """
        key = (perm, model._meta.label)
        if key not in self._memo:
            if not self.can_view:
                ids: frozenset[Any] = frozenset()
            else:
                rows = model._default_manager.filter(operating_model=self.operating_model)
                ids = frozenset(
                    get_objects_for_user(
                        self.user, perm, klass=rows, accept_global_perms=False
                    ).values_list("pk", flat=True)
                )
            self._memo[key] = ids
        return self._memo[key]


def access_for(user: User | AnonymousUser, operating_model: OperatingModel) -> Access:
    """What ``user`` may do in ``operating_model``, read afresh (one query; never remembered
    between calls, so a role changed a moment ago counts at once)."""
    if not user.is_authenticated or not user.is_active:
        return Access(operating_model, user, frozenset(), None)
    perms = model_perms(user, operating_model)
    role = _role_from_perms(perms)
    return Access(operating_model, user, perms, role, ObjectPermissionChecker(user))


def model_perms(user: User, operating_model: OperatingModel) -> frozenset[str]:
    """The codenames of the user's permissions on the model, exactly as django-guardian's
    ``ObjectPermissionChecker.get_perms`` reads them (granted to the user or to a group they
    are in; a superuser holds every permission of the model's type), in one query.

    Every page and API request asks this once: guardian's two ORM queries cost ~4 ms of CPU
    per request to build (its object-permission model lookup walks every installed model),
    ten times their execution; this one fixed statement costs ~0.1 ms.
    """
    from django.db import connection
    from guardian.ctypes import get_content_type

    ctype = get_content_type(operating_model)
    if user.is_superuser:
        return frozenset(
            Permission.objects.filter(content_type=ctype).values_list("codename", flat=True)
        )
    if not _reads_guardian_tables():
        return frozenset(ObjectPermissionChecker(user).get_perms(operating_model))
    with connection.cursor() as cursor:
        cursor.execute(MODEL_PERMS_SQL, [user.pk, ctype.pk, str(operating_model.pk), ctype.pk] * 2)
        return frozenset(codename for (codename,) in cursor.fetchall())


# The permissions granted on one object (content type and key) to a user directly and through
# their groups: guardian's generic object-permission tables, as ``get_perms`` reads them.
MODEL_PERMS_SQL = """
SELECT p.codename FROM auth_permission p
JOIN guardian_userobjectpermission o ON o.permission_id = p.id
WHERE o.user_id = %s AND o.content_type_id = %s AND o.object_pk = %s AND p.content_type_id = %s
UNION
SELECT p.codename FROM auth_permission p
JOIN guardian_groupobjectpermission o ON o.permission_id = p.id
JOIN auth_user_groups m ON m.group_id = o.group_id
WHERE m.user_id = %s AND o.content_type_id = %s AND o.object_pk = %s AND p.content_type_id = %s
"""


@functools.cache
def _reads_guardian_tables() -> bool:
    """Whether ``MODEL_PERMS_SQL`` names the tables guardian is configured with for operating
    models (otherwise ``model_perms`` asks guardian itself: slower, never wrong)."""
    from django.contrib.auth import get_user_model
    from guardian.utils import get_group_obj_perms_model, get_user_obj_perms_model

    tables = {
        get_user_obj_perms_model(OperatingModel())._meta.db_table,
        get_group_obj_perms_model(OperatingModel())._meta.db_table,
        get_user_model().groups.through._meta.db_table,
        Permission._meta.db_table,
    }
    return tables == {
        "guardian_userobjectpermission",
        "guardian_groupobjectpermission",
        "auth_user_groups",
        "auth_permission",
    }


def _role_from_perms(perms: frozenset[str]) -> Role | None:
    from .models import ROLE_PERMISSIONS

    best: Role | None = None
    for role in ROLE_ORDER:
        if set(ROLE_PERMISSIONS[role]) <= perms:
            best = role
    return best


class TwoFactorRequired(PermissionDenied):
    """The model asks its members for two-factor sign-in and this session was not signed in
    with a second factor (``has_device``: the person has an authenticator app already and only
    needs to use it; otherwise they set one up)."""

    def __init__(self, operating_model: OperatingModel, *, has_device: bool = False) -> None:
        super().__init__(f"{operating_model.name} asks for two-factor sign-in.")
        self.operating_model = operating_model
        self.has_device = has_device


# How a browser session may have been signed in with a second factor (allauth records each
# step in the session): an authenticator code (at login, on re-authentication, or when the app
# was added, which asks for a code from it), or single sign-on, whose identity provider owns
# the second factor.
SECOND_FACTOR_METHODS = frozenset({"mfa", "socialaccount"})
SESSION_MARK = "second_factor_in_session"


def session_has_second_factor(request: HttpRequest, user: Any) -> bool:
    """Whether THIS session was signed in with a second factor (not merely whether the person
    owns one: a session signed in with a password before the app was added has not)."""
    from allauth.account.authentication import get_authentication_records

    records = get_authentication_records(request, user)
    return any(record.get("method") in SECOND_FACTOR_METHODS for record in records)


def has_device(user: Any) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk, type=Authenticator.Type.TOTP).exists()


def has_second_factor(user: User | AnonymousUser) -> bool:
    """Whether the person's sign-in meets a model's two-factor rule.

    In a browser session (``SecondFactorSessionMiddleware`` marks the user): that session was
    signed in with a second factor, ``session_has_second_factor``. Outside one (an API token,
    a command): the account has an authenticator app, or no local password at all (single
    sign-on only)."""
    if not user.is_authenticated:
        return False
    marked = getattr(user, SESSION_MARK, None)
    if marked is not None:
        return bool(marked)
    if not user.has_usable_password():
        return True
    return has_device(user)


def get_model_for(user: User | AnonymousUser, slug: str) -> tuple[OperatingModel, Access]:
    """The model named by ``slug`` if the user may see it; a 404 otherwise.

    An unknown model and a forbidden one look the same to an outsider. A member of a model
    that requires two-factor sign-in who has none gets ``TwoFactorRequired`` (the middleware
    sends them to set it up).
    """
    operating_model = get_object_or_404(OperatingModel, slug=slug)
    access = access_for(user, operating_model)
    if not access.can_view:
        raise Http404("No such operating model")
    if operating_model.require_mfa and not has_second_factor(user):
        raise TwoFactorRequired(operating_model, has_device=has_device(user))
    return operating_model, access


def role_of(user: User, operating_model: OperatingModel) -> Role | None:
    """The role the user holds through membership (ignores superuser powers)."""
    role = (
        ModelGroup.objects.filter(operating_model=operating_model, group__user=user)
        .values_list("role", flat=True)
        .first()
    )
    return Role(role) if role else None


def editor_ids(operating_model: OperatingModel) -> frozenset[int]:
    """Who may edit the model (``Access.can_edit``), for a whole list at once, in one query: its
    editors and facilitators through their role groups, and superusers."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    editors = get_user_model().objects.filter(
        Q(
            groups__model_role__operating_model=operating_model,
            groups__model_role__role__in=[Role.EDITOR, Role.FACILITATOR],
        )
        | Q(is_superuser=True),
        is_active=True,
    )
    return frozenset(editors.values_list("pk", flat=True))


# The largest id a database column holds (a bigint): a larger number names no row.
MAX_ID = 2**63 - 1


def id_from(value: Any) -> int:
    """A row id from a request (the URL or a query parameter): a 404 for anything that is not
    one (text, zero, a number past what the database holds), never a 500."""
    try:
        number = int(str(value))
    except ValueError as exc:
        raise Http404("No such row") from exc
    if not 0 < number <= MAX_ID:
        raise Http404("No such row")
    return number


def row_in_model[M: Model](model: type[M], operating_model: OperatingModel, pk: Any) -> M:
    """The row ``pk`` of ``model`` if it belongs to ``operating_model``; a 404 otherwise (a row
    of another model looks like no row at all, and neither does an id that cannot be one)."""
    row = model._default_manager.filter(operating_model=operating_model, pk=id_from(pk)).first()
    if row is None:
        raise Http404(f"No such {model._meta.verbose_name}")
    row.operating_model = operating_model  # type: ignore[attr-defined]  # held: never read again
    return row


def release_in_model(operating_model: OperatingModel, number: Any) -> Release:
    """Release ``number`` of ``operating_model`` (with who published it); a 404 for a number
    the model has no release of, or anything that is not a number."""
    try:
        wanted = int(str(number))
    except ValueError as exc:
        raise Http404("No such release") from exc
    release = (
        operating_model.releases.select_related("published_by").filter(number=wanted).first()
        if 0 < wanted <= MAX_ID
        else None
    )
    if release is None:
        raise Http404("No such release")
    return release
