from django.apps import AppConfig


class CanvasConfig(AppConfig):
    name = "canvas"
    verbose_name = "Level 1 · Operating canvas"

    def ready(self) -> None:
        from .sections import register

        register()
