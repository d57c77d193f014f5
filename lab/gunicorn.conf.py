"""gunicorn settings for the lab (``gunicorn -c lab/gunicorn.conf.py``).

Defaults fit a 2-core machine: one sync worker per core, no threads, so a request's
cost is not blurred by the GIL. Override with GUNICORN_WORKERS / GUNICORN_THREADS.
Every limit below is stated with its reason (README "Hardening" lists them).
"""

import os

wsgi_app = "lab.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
# Sync: gunicorn's sync worker with a 5 s deadline on the request head and 10 s on each
# later read or write (lab/gunicorn_worker.py), so a slowloris client holds a worker for
# seconds. gthread (THREADS>1) waits up to 5 s for a connection's first bytes in its
# poller before giving it a thread (gunicorn's own guard).
worker_class = "sync" if threads == 1 else "gthread"
if worker_class == "sync":
    worker_class = "lab.gunicorn_worker.DeadlineSyncWorker"
# gthread only (sync closes after each response): idle kept-alive connections end after 5 s.
keepalive = 5
# A worker silent this long is killed and replaced: the last resort for a request stuck
# in the application. The slowest real request (a login with the real hasher) takes
# well under a second; 60 s let one stuck request hold a worker a whole minute.
timeout = 30
graceful_timeout = 5
# Request head limits (gunicorn's defaults, stated): a 4094-byte request line (the lab's
# longest URL is under 100 bytes), 50 header fields (a client sends about ten; gunicorn's
# default is 100) and 8190 bytes per field (an RS256 JWT or a session cookie fits
# several times over). Past them: 414 / 431 / 400 from gunicorn, before Django runs.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190
accesslog = None  # logging every request would be measured too
errorlog = "-"
loglevel = "warning"
settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "lab.settings.serve")
raw_env = [f"DJANGO_SETTINGS_MODULE={settings_module}"]
