"""WSGI entry point (management and tooling only: live streams need the ASGI server)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opmodel.settings")

application = get_wsgi_application()
