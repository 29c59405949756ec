"""gunicorn entry point for the HTTP benchmark: the app with the floor view mounted."""

import logging
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oversight.settings")

from django.conf import settings  # noqa: E402
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
settings.ROOT_URLCONF = "bench.urls"
logging.getLogger("oversight.request").disabled = True  # wrk sends thousands of requests
