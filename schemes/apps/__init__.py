"""Django apps that schemes need for their own models (installed in lab.settings.base)."""
