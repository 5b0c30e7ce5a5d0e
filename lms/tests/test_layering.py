"""The layering contract of shared/STYLE.md, enforced by parsing imports.

Order, lowest first (a module may import its own layer and lower layers only):
  lms core (not settings/urls)  → the bottom: imports no other project app
  prompts                       → a leaf: imports lms core only (its shared input helpers), no app
  accounts → catalog → syllabus → learning → tutoring
``lms/settings*.py``, ``lms/urls.py`` and ``lms/home.py`` (the front page, composed from the apps) sit above
everything.
"""

import ast
from pathlib import Path

import pytest
from django.conf import settings

LAYERS = ["accounts", "catalog", "syllabus", "learning", "tutoring"]
LEAVES = ["lms", "prompts"]
PROJECT_APPS = set(LAYERS) | set(LEAVES)
TOP_MODULES = {"lms/settings.py", "lms/settings_test.py", "lms/urls.py", "lms/home.py", "lms/wsgi.py", "lms/asgi.py"}


def allowed_imports(package: str) -> set[str]:
    if package == "prompts":
        return {"prompts", "lms"}
    if package in LEAVES:
        return {package}
    # Leaves sit below every layer; a layer may use the ones beneath it.
    return set(LEAVES) | set(LAYERS[: LAYERS.index(package) + 1])


def imported_project_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found |= {name.split(".")[0] for name in names} & PROJECT_APPS
    return found


def violations(base: Path) -> list[str]:
    problems = []
    for package in sorted(PROJECT_APPS):
        for path in sorted((base / package).rglob("*.py")):
            relative = path.relative_to(base).as_posix()
            if relative in TOP_MODULES or "/tests/" in relative or "/migrations/" in relative:
                continue
            for app in sorted(imported_project_apps(path) - allowed_imports(package)):
                problems.append(f"{relative} imports {app}, a higher layer than {package}")
    return problems


def test_no_app_imports_a_higher_layer():
    assert violations(Path(settings.BASE_DIR)) == []


def test_the_checker_catches_an_upward_import(tmp_path):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "views.py").write_text("from learning.services import enroll\n")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "services.py").write_text("import accounts.models\n")
    (tmp_path / "learning").mkdir()
    (tmp_path / "learning" / "services.py").write_text("from catalog import services\nfrom prompts.selectors import get\n")
    assert violations(tmp_path) == [
        "catalog/views.py imports learning, a higher layer than catalog",
        "prompts/services.py imports accounts, a higher layer than prompts",
    ]


@pytest.mark.parametrize("package", LAYERS + LEAVES)
def test_every_app_package_exists(package):
    assert (Path(settings.BASE_DIR) / package / "__init__.py").exists()


def test_prompts_may_use_lms_core_but_not_the_reverse(tmp_path):
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "api.py").write_text("from lms.json_input import parse_json\n")
    (tmp_path / "lms").mkdir()
    (tmp_path / "lms" / "views.py").write_text("from prompts.selectors import get\n")
    assert violations(tmp_path) == ["lms/views.py imports prompts, a higher layer than lms"]
