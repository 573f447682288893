from django.apps import AppConfig


class OpmodelConfig(AppConfig):
    name = "opmodel"
    verbose_name = "Operating models"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
