"""ASGI entry point: the app is served by an ASGI server (uvicorn) so that live streams work."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opmodel.settings")

application = get_asgi_application()
