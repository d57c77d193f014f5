#!/usr/bin/env python
"""Django's command-line utility for authlab (defaults to the serve settings)."""

import os
import sys


def main() -> None:
    """Run a management command against the same database ``make serve`` uses."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings.serve")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
