"""Dashboard, model creation, the model's home, members and health."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from opmodel import selectors, services
from opmodel.access import get_model_for
from opmodel.forms import InvitationSignupForm, MemberInviteForm, OperatingModelForm, RoleForm
from opmodel.models import ModelInvitation, Role
from opmodel.registry import registry
from opmodel.views.types import HtmxHttpRequest

if TYPE_CHECKING:
    from collections.abc import Callable

    from django.contrib.auth.models import User


@login_required
@require_http_methods(["GET"])
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    cards = selectors.models_for_user(request.user)
    return render(request, "opmodel/dashboard.html", {"cards": cards})


@login_required
@require_http_methods(["GET", "POST"])
def model_new(request: HtmxHttpRequest) -> HttpResponse:
    form = OperatingModelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        starter_key = form.cleaned_data["starter"]
        starter = form.starters[starter_key].document if starter_key else None
        try:
            operating_model = services.operating_model_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                organisation=form.cleaned_data["organisation"],
                description=form.cleaned_data["description"],
                starter=starter,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Created “{operating_model.name}”. You are its facilitator.")
            return redirect(operating_model.get_absolute_url())
    status = 422 if request.method == "POST" else 200
    return render(request, "opmodel/model_new.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET"])
def model_home(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    operating_model, access = get_model_for(request.user, slug)
    pages = registry.pages()
    if pages:
        return redirect(pages[0].url_name, slug=operating_model.slug)
    raise Http404("This model has no pages")


@login_required
@require_http_methods(["GET"])
def model_health(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    operating_model, access = get_model_for(request.user, slug)
    findings = selectors.model_health(operating_model)
    sections = {s.key: s for s in registry.sections()}
    return render(
        request,
        "opmodel/health.html",
        {
            "om": operating_model,
            "access": access,
            "findings": findings,
            "sections": sections,
        },
    )


def _require_manage(request: HtmxHttpRequest, slug: str):
    operating_model, access = get_model_for(request.user, slug)
    if not access.can_manage:
        raise PermissionDenied("Only facilitators manage members.")
    return operating_model, access


@login_required
@require_http_methods(["GET", "POST"])
def members(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    operating_model, access = get_model_for(request.user, slug)
    form = MemberInviteForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not access.can_manage:
            raise PermissionDenied("Only facilitators manage members.")
        if form.is_valid():
            email = form.cleaned_data["email"]
            try:
                services.model_invitation_create(
                    operating_model=operating_model,
                    actor=request.user,
                    email=email,
                    role=form.cleaned_data["role"],
                    base_url=request.build_absolute_uri("/"),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                # The same answer whether or not an account (or a member) has this address.
                messages.success(request, f"Invitation sent to {email}.")
                return redirect("members", slug=slug)
        status = 422
    return render(
        request,
        "opmodel/members.html",
        {
            "om": operating_model,
            "access": access,
            "form": form,
            "members": selectors.members_of(operating_model),
            "roles": Role.choices,
        },
        status=status,
    )


def _member(operating_model, user_id: int):
    user = (
        get_user_model()
        .objects.filter(pk=user_id, groups__model_role__operating_model=operating_model)
        .first()
    )
    if user is None:
        raise Http404("No such member")
    return user


@login_required
@require_POST
def member_role(request: HtmxHttpRequest, slug: str, user_id: int) -> HttpResponse:
    operating_model, access = _require_manage(request, slug)
    user = _member(operating_model, user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the roles.")
        return redirect("members", slug=slug)
    try:
        services.member_set_role(
            operating_model=operating_model,
            actor=request.user,
            user=user,
            role=form.cleaned_data["role"],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"{user.get_username()} is now {Role(form.cleaned_data['role']).label.lower()}.",
        )
    return redirect("members", slug=slug)


@login_required
@require_http_methods(["POST"])
def model_require_mfa(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """A facilitator turns the model's two-factor rule on or off."""
    operating_model, _access = _require_manage(request, slug)
    required = request.POST.get("require_mfa") == "on"
    try:
        services.operating_model_require_mfa(
            operating_model=operating_model, actor=request.user, required=required
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            "Members now need two-factor sign-in."
            if required
            else "Two-factor sign-in is no longer required.",
        )
    return redirect("members", slug=slug)


@login_required
@require_http_methods(["GET", "POST"])
def member_remove(request: HtmxHttpRequest, slug: str, user_id: int) -> HttpResponse:
    operating_model, access = _require_manage(request, slug)
    user = _member(operating_model, user_id)
    if request.method == "POST":
        try:
            services.member_remove(operating_model=operating_model, actor=request.user, user=user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Removed {user.get_username()} from {operating_model}.")
        return redirect("members", slug=slug)
    return render(
        request,
        "opmodel/member_remove.html",
        {"om": operating_model, "access": access, "member": user},
    )


def invitation_refused(request: HttpRequest, refusal: services.InvitationRefused) -> HttpResponse:
    """Why an invitation link (a model's or a workshop's) does not work: one page for both."""
    return render(
        request, "opmodel/invitation_refused.html", {"refusal": refusal}, status=refusal.status
    )


def invitation_signup_form(
    request: HttpRequest, email: str
) -> tuple[bool, InvitationSignupForm | None]:
    """Whether the invited address has an account, and the form that makes one (None for a
    person logged in or an address with an account): a model's and a workshop's invitation
    alike. Only the holder of the emailed link learns whether the address has an account."""
    has_account = get_user_model().objects.filter(email__iexact=email).exists()
    form = None
    if not request.user.is_authenticated and not has_account:
        form = InvitationSignupForm(request.POST or None, email=email)
    return has_account, form


def invitation_login(request: HttpRequest, user: User) -> None:
    """Log in the person an invitation has just made an account for."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")


def invitation_accept_step(
    request: HttpRequest,
    form: InvitationSignupForm | None,
    *,
    accept: Callable[[User], object],
    accept_as_new_person: Callable[[str, str], User],
    welcome: str,
    welcome_new: Callable[[str], str],
) -> str:
    """The accepting step of an invitation, a model's or a workshop's alike: the person logged
    in ``accept``s; else a valid sign-up ``form`` makes their account (``accept_as_new_person``
    with the name and password), which is logged in. Returns ``welcome`` (``welcome_new`` of the
    new account's username), or "" when the form is not valid."""
    if request.user.is_authenticated:
        accept(request.user)
        return welcome
    if form is None or not form.is_valid():
        return ""
    user = accept_as_new_person(form.cleaned_data["name"], form.cleaned_data["password1"])
    invitation_login(request, user)
    return welcome_new(user.get_username())


@require_http_methods(["GET", "POST"])
def model_invitation_open(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The link in the invitation email: accept it, logged in or by creating an account."""
    try:
        invitation = services.model_invitation_check(token, request.user, slug=slug)
    except services.InvitationRefused as refusal:
        return invitation_refused(request, refusal)
    has_account, form = invitation_signup_form(request, invitation.email)
    status = 200
    if request.method == "POST":
        try:
            welcome = _model_invitation_accept(request, invitation, form)
        except services.InvitationRefused as refusal:
            return invitation_refused(request, refusal)
        except ValidationError as error:
            if form is None:
                raise
            form.add_error(None, error)
            welcome = ""
        if welcome:
            messages.success(request, welcome)
            return redirect(reverse("model-home", args=[slug]))
        status = 422
    return render(
        request,
        "opmodel/invitation.html",
        {
            "invitation": invitation,
            # not "om": that would show the model's navigation to someone not yet a member
            "invited_model": invitation.operating_model,
            "form": form,
            "has_account": has_account,
            "login_url": f"{reverse('account_login')}?next={request.path}",
        },
        status=status,
    )


def _model_invitation_accept(
    request: HttpRequest, invitation: ModelInvitation, form: InvitationSignupForm | None
) -> str:
    """The accepting step (``invitation_accept_step``): the welcome to say, "" when the form
    is not valid."""
    return invitation_accept_step(
        request,
        form,
        accept=lambda user: services.model_invitation_accept(invitation=invitation, user=user),
        accept_as_new_person=lambda name, password: services.model_invitation_accept_as_new_person(
            invitation=invitation, name=name, password=password
        ),
        welcome=f"Welcome to “{invitation.operating_model.name}”.",
        welcome_new=lambda username: (
            f"Welcome to “{invitation.operating_model.name}”. Your username is {username}: "
            "log in with it (or your email) next time."
        ),
    )
