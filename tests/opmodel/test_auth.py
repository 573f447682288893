"""Signing in (django-allauth): by username or email address, throttled on every door that takes
a password, self-registered addresses confirmed first, TOTP two-factor, password reset."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

pytestmark = [pytest.mark.engine, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _login(client: Client, login: str, password: str):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_people_log_in_with_their_username_or_their_email_address(people):
    by_name, by_email = Client(), Client()
    assert _login(by_name, "viewer", "pw-123456").status_code == 302
    assert _login(by_email, "VIEWER@example.com", "pw-123456").status_code == 302
    assert _signed_in(by_name) and _signed_in(by_email)
    assert by_email.session["_auth_user_id"] == str(people["viewer"].pk)


def test_repeated_failures_pause_logins_for_that_account(people, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    client = Client()
    for _ in range(3):
        assert _login(client, "viewer", "wrong").status_code == 200
    refused = _login(client, "viewer", "pw-123456")  # even the right password, for a while
    assert refused.status_code == 200
    assert "Too many failed attempts" in refused.content.decode()
    assert not _signed_in(client)
    # another account is not affected
    assert _login(Client(), "editor", "pw-123456").status_code == 302


def test_the_username_and_the_email_address_share_one_counter(people, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    client = Client()
    _login(client, "viewer", "wrong")
    _login(client, "viewer@example.com", "wrong")
    refused = _login(client, "Viewer", "pw-123456")
    assert "Too many failed attempts" in refused.content.decode()


def test_the_cool_off_is_finite(people, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 2
    client = Client()
    _login(client, "viewer", "wrong")
    _login(client, "viewer", "wrong")
    assert "Too many failed attempts" in _login(client, "viewer", "pw-123456").content.decode()
    cache.clear()  # what the lock-out timeout does when it runs out
    assert _login(client, "viewer", "pw-123456").status_code == 302


def test_a_success_resets_the_account_counter(people, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    client = Client()
    _login(client, "viewer", "wrong")
    _login(client, "viewer", "wrong")
    assert _login(client, "viewer", "pw-123456").status_code == 302
    other = Client()
    _login(other, "viewer", "wrong")
    _login(other, "viewer", "wrong")
    assert _login(other, "viewer", "pw-123456").status_code == 302


def test_the_admin_login_takes_no_password_from_the_signed_out(people, make_user):
    staff = make_user("staffer", is_staff=True, is_superuser=True)
    client = Client()
    page = client.get(reverse("admin:login"))
    assert page.status_code == 302 and page["Location"].startswith(reverse("account_login"))
    posted = client.post(reverse("admin:login"), {"username": "staffer", "password": "pw-123456"})
    assert posted.status_code == 302 and not _signed_in(client)  # sent to the one sign-in page
    assert _login(client, "staffer", "pw-123456").status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert staff.is_staff


def test_the_admin_login_form_is_throttled_like_the_sign_in_page(people, make_user, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    make_user("staffer", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(people["viewer"])  # signed in but not staff: the admin offers its form
    for _ in range(3):
        wrong = client.post(reverse("admin:login"), {"username": "staffer", "password": "nope"})
        assert wrong.status_code == 200
    refused = client.post(reverse("admin:login"), {"username": "staffer", "password": "pw-123456"})
    assert "Too many failed attempts" in refused.content.decode()
    assert client.session["_auth_user_id"] == str(people["viewer"].pk)
    # and the main sign-in page counts the same account as locked
    assert "Too many failed attempts" in _login(Client(), "staffer", "pw-123456").content.decode()


def _signup(client: Client, name: str):
    return client.post(
        reverse("account_signup"),
        {
            "username": name,
            "email": f"{name}@example.org",
            "password1": "a-long-fresh-secret-26",
            "password2": "a-long-fresh-secret-26",
        },
    )


def test_a_self_registered_person_confirms_their_address_before_signing_in(people):
    client = Client()
    response = _signup(client, "newcomer")
    assert response.status_code == 302 and not _signed_in(client)
    assert len(mail.outbox) == 1 and "newcomer@example.org" in mail.outbox[0].to
    # not before confirming, by either name
    early = Client()
    _login(early, "newcomer@example.org", "a-long-fresh-secret-26")
    assert not _signed_in(early)
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+/)", mail.outbox[-1].body)
    confirm = Client()
    assert confirm.post(link.group(1)).status_code == 302
    after = Client()
    assert _login(after, "newcomer", "a-long-fresh-secret-26").status_code == 302
    assert _signed_in(after)


def test_signing_up_can_be_closed(settings):
    settings.OPMODEL_SIGNUP_OPEN = False
    client = Client()
    _signup(client, "newcomer")
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(username="newcomer").exists()


def _code(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_two_factor_asks_for_the_code_and_refuses_a_wrong_one(people):
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(people["viewer"], secret)
    client = Client()
    step = _login(client, "viewer", "pw-123456")
    assert step.status_code == 302 and step["Location"] == reverse("mfa_authenticate")
    assert not _signed_in(client)
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200 and not _signed_in(client)
    right = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    assert right.status_code == 302 and _signed_in(client)


def test_guessing_the_two_factor_code_is_throttled(people):
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTP.activate(people["viewer"], secret)
    client = Client()
    _login(client, "viewer", "pw-123456")
    for _ in range(5):
        client.post(reverse("mfa_authenticate"), {"code": "000000"})
    refused = client.post(reverse("mfa_authenticate"), {"code": _code(secret)})
    assert not _signed_in(client)
    assert "Too many" in refused.content.decode()


def test_password_reset_by_email_works_once(people):
    client = Client()
    response = client.post(reverse("account_reset_password"), {"email": people["viewer"].email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.alternatives and "<a href=" in message.alternatives[0][0]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"password1": "a-fresh-secret-2026", "password2": "a-fresh-secret-2026"},
    )
    assert done.status_code == 302
    people["viewer"].refresh_from_db()
    assert people["viewer"].check_password("a-fresh-secret-2026")
    again = Client().get(link, follow=True)
    assert "no longer works" in again.content.decode()


def test_password_reset_does_not_reveal_whether_an_address_exists(people):
    response = Client().post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_the_reset_email_has_a_plain_text_body_and_an_html_one(people):
    Client().post(reverse("account_reset_password"), {"email": people["viewer"].email})
    message = mail.outbox[0]
    assert "<a href" not in message.body  # the text part is text
    assert "<a href=" in message.alternatives[0][0]
