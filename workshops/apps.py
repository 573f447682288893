from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "workshops"
    verbose_name = "Workshops"

    def ready(self) -> None:
        from opmodel.registry import Page, registry

        # Last in the navigation: the levels come first, and the model's home is the first page.
        registry.register_page(Page(level=9, title="Workshops", url_name="workshop-list"))
        registry.register_urls("workshops/", "workshops.urls")
        registry.register_api("workshops.api")

        from .demo import demo_workshop

        registry.register_demo_step(demo_workshop)

        from .pdf import register

        register()
