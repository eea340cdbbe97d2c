"""WSGI entry point for gunicorn (`gunicorn config.wsgi:application`): scripts/run.sh, the
Procfile and docker/entrypoint.sh. Production sets DJANGO_SETTINGS_MODULE explicitly."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

application = get_wsgi_application()
