from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .auth import ThrottledAdminAuthenticationForm
from .models import ModelGroup, OperatingModel

_admin_login = admin.site.login


def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """The admin signs people in through the one sign-in page (throttled, two-factor, single
    sign-on). Its own form is left only for a signed-in non-staff person (switching accounts)
    and is under the same throttle."""
    if not request.user.is_authenticated:
        return redirect_to_login(
            request.GET.get("next") or reverse("admin:index"), reverse("account_login")
        )
    return _admin_login(request, extra_context)


admin.site.login_form = ThrottledAdminAuthenticationForm
admin.site.login = admin_login  # type: ignore[method-assign]


@admin.register(OperatingModel)
class OperatingModelAdmin(GuardedModelAdmin, SimpleHistoryAdmin):
    list_display = ["name", "organisation", "slug", "created_at"]
    search_fields = ["name", "organisation", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(ModelGroup)
class ModelGroupAdmin(admin.ModelAdmin):
    list_display = ["operating_model", "role", "group"]
    list_filter = ["role"]


class PartAdmin(SimpleHistoryAdmin):
    """Admin for section rows. Saves bump the revision so open forms see the change."""

    list_display = ["__str__", "operating_model", "position", "revision", "updated_at"]
    list_filter = ["operating_model"]
    readonly_fields = ["revision", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change) -> None:
        if change:
            obj.revision += 1
        super().save_model(request, obj, form, change)
