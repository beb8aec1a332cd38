"""`api` sits on top of the apps: it may import any of them, none of them imports it."""

from pathlib import Path

import pytest
from django.conf import settings

from tests.test_architecture import ORDER


@pytest.mark.parametrize("app", ORDER)
def test_no_app_imports_the_api(app):
    offenders = [
        str(path.relative_to(settings.BASE_DIR))
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
        if "tests" not in path.parts and "api" in _imports(path)
    ]
    assert offenders == []


def _imports(path: Path) -> set[str]:
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names
