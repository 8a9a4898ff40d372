"""WSGI entry of the hub process: ``gunicorn config.hub_wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ["DJANGO_SETTINGS_MODULE"] = "config.hub_settings"
application = get_wsgi_application()
