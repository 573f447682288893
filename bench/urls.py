"""The app's URLs plus the floor: a bench-only URLconf, never mounted by the app."""

from __future__ import annotations

from django.urls import path

from bench.floor import floor
from opmodel.urls import urlpatterns as app_urlpatterns

urlpatterns = [path("__bench__/floor/<slug:slug>/", floor, name="bench-floor"), *app_urlpatterns]
