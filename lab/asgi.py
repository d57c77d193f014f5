"""ASGI entry point (``lab.asgi:application``) for uvicorn and granian.

Django's ASGI handler runs the lab's sync DRF views through ``sync_to_async``
(thread-sensitive: one thread per process), which is what the servers dimension
measures against WSGI.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings.serve")
application = get_asgi_application()
