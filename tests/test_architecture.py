"""Apps import only to their right: promotions -> assessments -> people -> frameworks."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ORDER = ["promotions", "assessments", "people", "frameworks"]


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(ORDER)


@pytest.mark.parametrize("app", ORDER)
def test_app_never_imports_an_app_to_its_left(app):
    forbidden = set(ORDER[: ORDER.index(app)])
    offenders = {
        str(path.relative_to(settings.BASE_DIR)): sorted(imported_apps(path) & forbidden)
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
        if "tests" not in path.parts and imported_apps(path) & forbidden
    }
    assert offenders == {}
