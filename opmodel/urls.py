from __future__ import annotations

from allauth.urls import build_provider_urlpatterns
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from opmodel.api import api
from opmodel.registry import registry
from opmodel.views import (
    documents,
    exports,
    models,
    parts,
    stream,
    tokens,
    versions,
    webhooks,
)

part_patterns = [
    path("", parts.section_list, name="section-list"),
    path("new/", parts.part_new, name="part-new"),
    path("reorder/", parts.part_reorder, name="part-reorder"),
    path("<int:pk>/", parts.part_detail, name="part-detail"),
    path("<int:pk>/edit/", parts.part_edit, name="part-edit"),
    path("<int:pk>/delete/", parts.part_delete, name="part-delete"),
    path("<int:pk>/move/", parts.part_move, name="part-move"),
    path("<int:pk>/history/", parts.part_history, name="part-history"),
    path("<int:pk>/revert/<int:history_id>/", parts.part_revert, name="part-revert"),
    path("restore/<int:history_id>/", versions.part_restore, name="part-restore"),
]

model_patterns: list[URLPattern | URLResolver] = [
    path("", models.model_home, name="model-home"),
    path("members/", models.members, name="members"),
    path("members/<int:user_id>/role/", models.member_role, name="member-role"),
    path(
        "members/invitations/<str:token>/",
        models.model_invitation_open,
        name="model-invitation-open",
    ),
    path("members/two-factor/", models.model_require_mfa, name="model-require-mfa"),
    path("webhooks/", webhooks.webhooks, name="webhooks"),
    path(
        "webhooks/deliveries/<int:pk>/again/",
        webhooks.delivery_again,
        name="webhook-delivery-again",
    ),
    path("members/<int:user_id>/remove/", models.member_remove, name="member-remove"),
    path("health/", models.model_health, name="model-health"),
    path("move/", parts.row_move, name="row-move"),
    path("events/", stream.model_stream, name="model-events"),
    path("releases/", versions.releases, name="releases"),
    path("releases/new/", versions.release_new, name="release-new"),
    path("releases/v<int:number>/", versions.release_detail, name="release-detail"),
    path("compare/", versions.compare, name="compare"),
    path("history/", versions.timeline, name="timeline"),
    path("as-of/", versions.as_of, name="as-of"),
    path("export/", documents.model_export, name="model-export"),
    path("import/", documents.model_import, name="model-import"),
    path("exports/", exports.exports, name="exports"),
    path("exports/new/", exports.export_new, name="export-new"),
    path("exports/<int:pk>/", exports.export_status, name="export-status"),
    path("exports/<int:pk>/download/", exports.export_download, name="export-download"),
    path("exports/<int:pk>/retry/", exports.export_retry, name="export-retry"),
    path("s/<str:key>/", include(part_patterns)),
]
# Level apps mount their pages through the registry: the core never imports them.
model_patterns += [path(prefix, include(module)) for prefix, module in registry.url_modules()]

account_patterns: list[URLPattern | URLResolver] = [
    path("", include("allauth.account.urls")),
    path("2fa/", include("allauth.mfa.urls")),
    path("3rdparty/", include("allauth.socialaccount.urls")),
    *build_provider_urlpatterns(),
]

urlpatterns = [
    path("", models.dashboard, name="dashboard"),
    path("models/new/", models.model_new, name="model-new"),
    path("models/import/", documents.model_import_new, name="model-import-new"),
    path("m/<slug:slug>/", include(model_patterns)),
    # Sign-in, sign-up, password reset and change, two-factor, single sign-on: django-allauth
    # (its pages, without the legacy redirects allauth.urls still carries).
    path("accounts/tokens/", tokens.token_list, name="api-tokens"),
    path("accounts/tokens/<int:pk>/revoke/", tokens.token_revoke, name="api-token-revoke"),
    path("accounts/", include(account_patterns)),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler500 = "opmodel.middleware.server_error"
