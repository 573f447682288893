from django.urls import path

from . import views

urlpatterns = [
    path("", views.squads, name="teams-squads"),
    path("squads/<int:pk>/", views.squad, name="teams-squad"),
    path("squads/<int:pk>/leads/", views.lead_grant, name="teams-lead-grant"),
    path(
        "squads/<int:pk>/leads/<int:user_id>/remove/",
        views.lead_remove,
        name="teams-lead-remove",
    ),
    path("import/", views.import_files, name="teams-import"),
    path("map/", views.interaction_map, name="teams-map"),
    path("accountability/", views.accountability, name="teams-matrix"),
    path("accountability/who/", views.who_answers, name="teams-who"),
    path("accountability/<int:pk>/", views.capability_roles, name="teams-capability"),
    path(
        "accountability/<int:capability_pk>/<int:squad_pk>/",
        views.matrix_cell,
        name="teams-cell",
    ),
]
