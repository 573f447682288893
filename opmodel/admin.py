from django.contrib import admin
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import ModelGroup, OperatingModel


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
