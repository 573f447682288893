from django.urls import path

from . import views

urlpatterns = [
    path("", views.canvas, name="canvas"),
    path("picture/", views.picture, name="picture"),
    path("picture/v<int:number>/", views.picture_release, name="picture-release"),
]
