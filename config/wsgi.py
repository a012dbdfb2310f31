"""The WSGI application gunicorn serves; with DEBUG off it refuses to start unready (config/startup.py)."""

import os

from django.core.wsgi import get_wsgi_application

from config.startup import GUNICORN_WORKER_BOOT_ERROR, start_or_exit

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The boot-error status makes gunicorn stop, with the line in its log, rather than start the worker again.
start_or_exit(GUNICORN_WORKER_BOOT_ERROR)
application = get_wsgi_application()
