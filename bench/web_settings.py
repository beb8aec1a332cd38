"""Production settings (DEBUG off) for bench/scale.py's gunicorn when `collectstatic`
fails: static URLs are not looked up in a manifest. The benchmark requests pages only,
never a static file, so nothing else differs from production."""

from careerpath.settings import *  # noqa: F403
from careerpath.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
