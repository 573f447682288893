from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"
    verbose_name = "Level 2 · Teams & interactions"

    def ready(self) -> None:
        from .sections import register

        register()
