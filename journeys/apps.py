from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "journeys"
    verbose_name = "Level 3 · Team journeys"

    def ready(self) -> None:
        from .sections import register

        register()
