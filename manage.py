#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careerpath.settings")
    # Management commands default to the embedded mode, so `manage.py check` works in a
    # checkout. The servers (wsgi.py, the Celery worker) do not: there DEBUG is off unless
    # set, and production refuses to start without a real SECRET_KEY.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
