"""The README's configuration table names every setting a deployment can give."""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_the_readme_documents_every_setting_read_from_the_environment():
    source = (ROOT / "careerpath" / "settings.py").read_text(encoding="utf-8")
    names = set(re.findall(r'\benv(?:_bool|_int|_list)?\(\s*"([A-Z_]+)"', source))
    assert {"HTTPS", "SECRET_KEY", "SESSION_IDLE_TIMEOUT_MINUTES"} <= names
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1]
    assert sorted(name for name in names if f"`{name}`" not in table) == []
