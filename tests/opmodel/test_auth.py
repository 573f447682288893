from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _login(client: Client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_repeated_failures_pause_logins_for_that_account(people, settings):
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    client = Client()
    for _ in range(3):
        assert _login(client, "viewer", "wrong").status_code == 200
    refused = _login(client, "viewer", "pw-123456")  # even the right password, for a while
    assert refused.status_code == 200
    assert "Too many failed attempts" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # another account is not affected
    assert _login(Client(), "editor", "pw-123456").status_code == 302


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


def test_password_reset_by_email_works_once(people):
    client = Client()
    response = client.post(reverse("password_reset"), {"email": people["viewer"].email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.alternatives and "<a href=" in message.alternatives[0][0]
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-fresh-secret-2026", "new_password2": "a-fresh-secret-2026"},
    )
    assert done.status_code == 302
    people["viewer"].refresh_from_db()
    assert people["viewer"].check_password("a-fresh-secret-2026")
    again = Client().get(link, follow=True)
    assert "no longer works" in again.content.decode()


def test_password_reset_does_not_reveal_whether_an_address_exists(people):
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_the_reset_email_has_a_plain_text_body_and_an_html_one(people):
    Client().post(reverse("password_reset"), {"email": people["viewer"].email})
    message = mail.outbox[0]
    assert "<a href" not in message.body  # the text part is text
    assert "<a href=" in message.alternatives[0][0]
