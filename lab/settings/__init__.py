"""authlab settings, split by purpose: ``base`` (shared), ``serve`` (manage.py and
gunicorn), ``test`` (pytest), ``bench`` (benchmarks and load tests)."""
