from django.urls import path

from . import views

urlpatterns = [
    path("", views.journey_list, name="journeys-list"),
    path("<int:pk>/", views.journey, name="journeys-journey"),
    path("pain-points/", views.pain_points, name="journeys-pain-points"),
    path("squads/<int:pk>/", views.squad_steps, name="journeys-squad"),
    path("steps/<int:pk>/move/", views.step_move, name="journeys-step-move"),
    path("stages/<int:pk>/move/", views.stage_move, name="journeys-stage-move"),
]
