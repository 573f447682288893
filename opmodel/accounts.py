"""django-allauth's hooks: who must confirm an address, who may register, and single sign-on.

Accounts an administrator or a workshop invitation made carry no allauth address record: the
invitation link proved the address, an administrator vouches for theirs. Only people who
register themselves (they always get an unverified record at sign-up) must confirm first.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.models import EmailAddress
from allauth.account.stages import EmailVerificationStage
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings

from opmodel.services.sso import sso_groups_apply

if TYPE_CHECKING:
    from allauth.socialaccount.models import SocialLogin
    from django.http import HttpRequest

log = logging.getLogger(__name__)


class SelfRegisteredEmailVerificationStage(EmailVerificationStage):
    """allauth's mandatory verification, for the accounts that have an address on record."""

    def handle(self) -> tuple[Any, bool]:
        user = self.login.user
        if user is not None and not EmailAddress.objects.filter(user_id=user.pk).exists():
            return None, True
        return super().handle()


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return bool(settings.OPMODEL_SIGNUP_OPEN)

    def get_login_stages(self) -> list[str]:
        return [
            "opmodel.accounts.SelfRegisteredEmailVerificationStage"
            if path == "allauth.account.stages.EmailVerificationStage"
            else path
            for path in super().get_login_stages()
        ]


def _groups_of(sociallogin: SocialLogin) -> list[str]:
    data = sociallogin.account.extra_data or {}
    # openid_connect keeps the userinfo (and the ID token's claims) under "userinfo"/"id_token".
    sources = [data, data.get("userinfo") or {}, data.get("id_token") or {}]
    for source in sources:
        if isinstance(source, dict) and settings.OPMODEL_SSO_GROUPS_CLAIM in source:
            value = source[settings.OPMODEL_SSO_GROUPS_CLAIM]
            return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    return []


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on: "just in time" accounts, and the optional group -> role mapping."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin: SocialLogin) -> bool:
        return True  # the identity provider decides who may come in

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        if sociallogin.is_existing:
            sso_groups_apply(user=sociallogin.user, groups=_groups_of(sociallogin))

    def save_user(self, request: HttpRequest, sociallogin: SocialLogin, form: Any = None) -> Any:
        user = super().save_user(request, sociallogin, form)
        sso_groups_apply(user=user, groups=_groups_of(sociallogin))
        return user


def record_code_on_activation(sender: Any, request: Any, user: Any, authenticator: Any, **_: Any):
    """Adding an authenticator app asks for a code from it, in a session signed in (recently:
    allauth re-authenticates first) with the password: that session has shown both factors, so
    allauth's record of it says so, as it would after a code at login. (allauth records a code
    at login and re-authentication, not at activation.)"""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator

    if request is None or authenticator.type != Authenticator.Type.TOTP:
        return
    record_authentication(
        request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True
    )
