"""WhiteNoise for the tests: the static files found once per test process, not once per client.

Django's test ``Client`` builds the middleware chain anew for every client, and WhiteNoise's
middleware, when it uses the finders (``WHITENOISE_USE_FINDERS``, as in development and the
tests), walks every static file and stats it and its compressed twins when it is built: ~15 ms
of CPU each time. The permission matrices make a client per role and per case, thousands in a
run. Here the first middleware of a process walks the files and the others reuse what it found
(the files do not change during a run), for the same static prefix, directories and apps.
Everything else (serving, headers, the static root) is WhiteNoise's own.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware as BaseWhiteNoiseMiddleware

_found: dict[tuple[Any, ...], dict[str, Any]] = {}


class WhiteNoiseMiddleware(BaseWhiteNoiseMiddleware):
    def add_files_from_finders(self) -> None:
        key = (
            self.static_prefix,
            tuple(map(str, settings.STATICFILES_DIRS)),
            tuple(settings.STATICFILES_FINDERS),
            tuple(settings.INSTALLED_APPS),
        )
        if key not in _found:
            # what the finders add, on its own (the static root's files are already in)
            outer, self.files = self.files, {}
            try:
                super().add_files_from_finders()
                _found[key] = self.files
            finally:
                self.files = outer
        self.files.update(_found[key])
