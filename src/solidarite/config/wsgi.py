"""The WSGI application, served in production by `python -m solidarite serveur` (granian)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "solidarite.config.settings")
application = get_wsgi_application()
# Load the URLs, and with them every view and the API, now rather than in the first request of each
# worker (about a second of processor time): when each worker starts, or once before they are forked
# (gunicorn --preload).
urls = get_resolver().url_patterns
