"""gunicorn settings for the lab (``gunicorn -c lab/gunicorn.conf.py``).

Defaults fit a 2-core machine: one sync worker per core, no threads, so a request's
cost is not blurred by the GIL. Override with GUNICORN_WORKERS / GUNICORN_THREADS.
"""

import os

wsgi_app = "lab.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "sync" if threads == 1 else "gthread"
keepalive = 5
timeout = 60
graceful_timeout = 5
accesslog = None  # logging every request would be measured too
errorlog = "-"
loglevel = "warning"
settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "lab.settings.serve")
raw_env = [f"DJANGO_SETTINGS_MODULE={settings_module}"]
