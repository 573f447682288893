"""The account page for personal access tokens (the API's keys)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from opmodel.models import PersonalAccessToken
from opmodel.services.tokens import MAX_DAYS, token_create
from opmodel.services.tokens import token_revoke as revoke


class TokenForm(forms.Form):
    name = forms.CharField(max_length=80, help_text="What it is for, e.g. 'CI export'.")
    scope = forms.ChoiceField(choices=PersonalAccessToken.Scope.choices)
    days = forms.IntegerField(
        label="Expires after (days)", min_value=1, max_value=MAX_DAYS, initial=90
    )


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                _token, created = token_create(user=request.user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
                status = 422
            else:
                form = TokenForm()
        else:
            status = 422
    tokens = PersonalAccessToken.objects.filter(user=request.user)  # type: ignore[misc]
    response = render(
        request,
        "opmodel/api_tokens.html",
        {"form": form, "tokens": tokens, "created": created},
        status=status,
    )
    response["Cache-Control"] = "no-store"  # the new token is on this page once
    return response


@login_required
@require_http_methods(["POST"])
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(PersonalAccessToken, pk=pk, user_id=request.user.pk)
    revoke(token=token, actor=request.user)
    messages.success(request, f"Revoked “{token.name}”.")
    return redirect("api-tokens")
