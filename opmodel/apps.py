from django.apps import AppConfig


class OpmodelConfig(AppConfig):
    name = "opmodel"
    verbose_name = "Operating models"
