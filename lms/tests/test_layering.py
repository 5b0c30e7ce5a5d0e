"""The layering contract of shared/STYLE.md, enforced by parsing imports.

Order, lowest first (a module may import its own layer and lower layers only):
  lms core (not settings/urls)  → the bottom: imports no other project app
  prompts                       → a leaf: imports lms core only (its shared input helpers), no app
  accounts → catalog → syllabus → learning → tutoring
``lms/settings*.py``, ``lms/urls.py`` and ``lms/home.py`` (the front page, composed from the apps) sit above
everything.

Inside ``learning`` (one Django app, one sub-package per sub-area), lowest first:
  notifications → enrollment → progress → assessments → gradebook
  player    above what it shows: may import notifications, enrollment, progress, assessments, gradebook
  community above what it shows: may import notifications, enrollment, progress
Nothing in that order imports player or community. Modules at ``learning/``'s top level (``admin``, the
``models`` re-export, ``urls``, ``apps``, ``templatetags``, ``management``) sit above every sub-package; a
sub-package never imports them (``learning.models`` re-exports every sub-area's models: import your own
``models`` module or a lower sub-area's). A lower sub-area tells a higher one about an event through a
signal or a callback the higher one registers.
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


LEARNING_LAYERS = ["notifications", "enrollment", "progress", "assessments", "gradebook"]
LEARNING_ABOVE = {
    "player": {"notifications", "enrollment", "progress", "assessments", "gradebook"},
    "community": {"notifications", "enrollment", "progress"},
}
LEARNING_SUBAREAS = set(LEARNING_LAYERS) | set(LEARNING_ABOVE)
# Directories of learning/ that are the app's own top level, not sub-areas.
LEARNING_TOP = {"templatetags", "management", "migrations", "tests", "templates", "static"}


def learning_allowed(subarea: str) -> set[str]:
    if subarea in LEARNING_ABOVE:
        return LEARNING_ABOVE[subarea] | {subarea}
    return set(LEARNING_LAYERS[: LEARNING_LAYERS.index(subarea) + 1])


def imported_learning_parts(path: Path, package: tuple[str, ...]) -> set[str]:
    """The first component under ``learning`` of every module ``path`` imports (function-level imports
    included; relative imports resolved against ``package``, the file's package path)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = list(package[: len(package) - node.level + 1]) if node.level else []
            base += node.module.split(".") if node.module else []
            # ``from learning import progress`` names sub-packages; ``from learning.x import y`` does not.
            targets = [base + [alias.name] for alias in node.names] if len(base) == 1 else [base]
        else:
            continue
        found |= {parts[1] for parts in targets if len(parts) > 1 and parts[0] == "learning"}
    return found


def learning_violations(base: Path) -> list[str]:
    problems = []
    root = base / "learning"
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(base).as_posix()
        parts = path.relative_to(root).parts
        if len(parts) == 1 or parts[0] in LEARNING_TOP:
            continue  # the app's top level: above every sub-package
        subarea = parts[0]
        if subarea not in LEARNING_SUBAREAS:
            problems.append(f"{relative}: learning/{subarea}/ is not in the sub-area order (README, this test)")
            continue
        if "tests" in parts:
            continue
        package = ("learning", *parts[:-1])  # a module's package (an __init__'s is its directory)
        for imported in sorted(imported_learning_parts(path, package)):
            if imported in LEARNING_SUBAREAS and imported not in learning_allowed(subarea):
                problems.append(f"{relative} imports learning.{imported}, not below {subarea}")
            elif imported not in LEARNING_SUBAREAS:
                problems.append(f"{relative} imports learning.{imported}, the app's top level above {subarea}")
    return problems


def test_no_app_imports_a_higher_layer():
    assert violations(Path(settings.BASE_DIR)) == []


def test_the_checker_catches_an_upward_import(tmp_path):
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "views.py").write_text("from learning.services import enroll\n")
    (tmp_path / "prompts").mkdir()
    (tmp_path / "prompts" / "services.py").write_text("import accounts.models\n")
    (tmp_path / "learning").mkdir()
    (tmp_path / "learning" / "services.py").write_text(
        "from catalog import services\nfrom prompts.selectors import get\n"
    )
    assert violations(tmp_path) == [
        "catalog/views.py imports learning, a higher layer than catalog",
        "prompts/services.py imports accounts, a higher layer than prompts",
    ]


def test_no_learning_subarea_imports_a_higher_one():
    assert learning_violations(Path(settings.BASE_DIR)) == []


def test_learning_has_its_subareas():
    root = Path(settings.BASE_DIR) / "learning"
    present = {p.parent.name for p in root.glob("*/__init__.py")} - LEARNING_TOP
    # notifications arrives with its own feature; every other sub-area exists.
    assert LEARNING_SUBAREAS - {"notifications"} <= present <= LEARNING_SUBAREAS


def _write(base: Path, relative: str, text: str) -> None:
    path = base / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_the_checker_catches_an_upward_import_between_learning_subareas(tmp_path):
    _write(tmp_path, "learning/models.py", "from learning.enrollment.models import CourseEnrollment\n")
    _write(tmp_path, "learning/admin.py", "from learning.player import views\n")
    # Allowed: down the order, the player over what it shows, a sub-area's own modules, relative imports.
    _write(
        tmp_path, "learning/progress/services.py", "from learning.enrollment import services\nfrom . import models\n"
    )
    _write(tmp_path, "learning/player/views.py", "from learning.gradebook.models import Certificate\n")
    _write(tmp_path, "learning/community/services.py", "from learning.progress.selectors import x\n")
    _write(tmp_path, "learning/notifications/services.py", "from learning.notifications.models import Notice\n")
    # Refused: up the order (also inside a function and relative), into player/community, the top level.
    _write(tmp_path, "learning/enrollment/services.py", "def f():\n    from learning.progress import services\n")
    _write(tmp_path, "learning/enrollment/selectors.py", "from ..progress.selectors import shown_percent\n")
    _write(tmp_path, "learning/gradebook/services.py", "from learning import player\n")
    _write(tmp_path, "learning/progress/selectors.py", "from learning.models import CourseEnrollment\n")
    _write(tmp_path, "learning/community/views.py", "from learning.assessments.models import QuizAttempt\n")
    _write(tmp_path, "learning/notifications/services.py", "from learning.enrollment.models import CourseEnrollment\n")
    _write(tmp_path, "learning/badges/models.py", "\n")
    assert learning_violations(tmp_path) == [
        "learning/badges/models.py: learning/badges/ is not in the sub-area order (README, this test)",
        "learning/community/views.py imports learning.assessments, not below community",
        "learning/enrollment/selectors.py imports learning.progress, not below enrollment",
        "learning/enrollment/services.py imports learning.progress, not below enrollment",
        "learning/gradebook/services.py imports learning.player, not below gradebook",
        "learning/notifications/services.py imports learning.enrollment, not below notifications",
        "learning/progress/selectors.py imports learning.models, the app's top level above progress",
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
