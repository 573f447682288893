from django.apps import AppConfig


class OpmodelConfig(AppConfig):
    name = "opmodel"
    verbose_name = "Operating models"

    def ready(self) -> None:
        from allauth.mfa.signals import authenticator_added

        from . import checks  # noqa: F401 - registers the system checks
        from .accounts import record_code_on_activation

        authenticator_added.connect(record_code_on_activation, dispatch_uid="opmodel-mfa-added")
