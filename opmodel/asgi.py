"""ASGI entry point: the app is served by an ASGI server (uvicorn) so that live streams work."""

import os
import warnings

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opmodel.settings")

# WhiteNoise answers static files with sync file iterators, which Django's ASGI handler
# consumes in a thread and warns about once per file. The live stream is a true async iterator.
warnings.filterwarnings(
    "ignore",
    message="StreamingHttpResponse must consume synchronous iterators",
    module="django.core.handlers.asgi",
)

application = get_asgi_application()
