"""Process and service control: child processes, throwaway PostgreSQL / Redis, gunicorn.

Tooling, not the Django project: nothing here needs Django's settings.
"""
