"""A model's webhooks: subscribe a URL to events, see the last deliveries, send one again."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from opmodel.access import get_model_for
from opmodel.models import Webhook, WebhookDelivery
from opmodel.services.webhooks import delivery_resend, webhook_create
from opmodel.views.types import HtmxHttpRequest


class WebhookForm(forms.Form):
    url = forms.URLField(
        label="URL",
        max_length=500,
        help_text="Slack and Microsoft Teams incoming-webhook URLs get chat messages.",
    )
    events = forms.MultipleChoiceField(
        choices=Webhook.Event.choices, widget=forms.CheckboxSelectMultiple
    )


def _managed(request: HttpRequest, slug: str):
    operating_model, access = get_model_for(request.user, slug)
    if not access.can_manage:
        raise PermissionDenied("Only facilitators manage webhooks.")
    return operating_model, access


@login_required
@require_http_methods(["GET", "POST"])
def webhooks(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    operating_model, access = _managed(request, slug)
    form = WebhookForm(request.POST or None)
    status = 200
    created = None
    if request.method == "POST":
        if form.is_valid():
            try:
                created = webhook_create(
                    operating_model=operating_model, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                form.add_error("url", error)
        if created is None:
            status = 422
        else:
            form = WebhookForm()
    hooks = list(
        Webhook.objects.filter(operating_model=operating_model).prefetch_related("deliveries")
    )
    response = render(
        request,
        "opmodel/webhooks.html",
        {"om": operating_model, "access": access, "form": form, "hooks": hooks, "created": created},
        status=status,
    )
    response["Cache-Control"] = "no-store"  # a new webhook's secret is on this page once
    return response


@login_required
@require_http_methods(["POST"])
def delivery_again(request: HtmxHttpRequest, slug: str, pk: int) -> HttpResponse:
    operating_model, _access = _managed(request, slug)
    delivery = get_object_or_404(WebhookDelivery, pk=pk, webhook__operating_model=operating_model)
    delivery_resend(delivery=delivery, actor=request.user)
    messages.success(request, "Sent again.")
    return redirect("webhooks", slug=slug)
