"""The reference in docs/ keeps up with the code: every environment variable the settings read is
documented (docs/configuration.md and .env.example), every management command is in
docs/commands.md, and every repository path that EXTENDING.md and architecture.md name exists.

Plain file checks: no database, no Django set-up."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
SKIPPED_DIRS = {".venv", ".git", "node_modules", "var", "__pycache__"}

# django-environ's readers: env("X"), env.str("X"), env.int("X"), env.db("X"), ...
ENV_READERS = {
    "str", "int", "bool", "float", "list", "tuple", "dict", "json", "url", "path", "db",
    "db_url", "cache", "cache_url", "email", "email_url", "search_url", "bytes", "parse_value",
}  # fmt: skip


def _first_string(call: ast.Call) -> str | None:
    if call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def env_vars_read(path: Path) -> set[str]:
    """Names of the environment variables a module reads, through django-environ or os."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            is_env = (isinstance(func, ast.Name) and func.id == "env") or (
                isinstance(func, ast.Attribute)
                and func.attr in ENV_READERS
                and isinstance(func.value, ast.Name)
                and func.value.id == "env"
            )
            is_os = isinstance(func, ast.Attribute) and (
                (func.attr == "get" and _is_os_environ(func.value))
                or (func.attr == "getenv" and isinstance(func.value, ast.Name))
            )
            if (is_env or is_os) and (name := _first_string(node)):
                names.add(name)
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                names.add(node.slice.value)
        elif (
            isinstance(node, ast.Compare)
            and any(_is_os_environ(c) for c in node.comparators)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
        ):
            names.add(node.left.value)
    return names


SETTINGS_MODULES = sorted((ROOT / "config" / "settings").glob("*.py"))
# The rest of config/ (gunicorn's settings) reads the environment too.
CONFIG_MODULES = sorted((ROOT / "config").glob("*.py"))
ENV_VARS = sorted(
    {name for module in SETTINGS_MODULES + CONFIG_MODULES for name in env_vars_read(module)}
    - {"LISTEN_FDS"}  # set by systemd socket activation, not by an operator
)


def test_the_settings_are_found():
    assert SETTINGS_MODULES, "config/settings/*.py not found"
    assert {"SECRET_KEY", "DATABASE_URL", "DEBUG"} <= set(ENV_VARS)


@pytest.mark.parametrize("name", ENV_VARS)
def test_env_var_is_in_configuration_md(name):
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    assert f"`{name}`" in text, f"{name} is read by the settings but not in docs/configuration.md"


@pytest.mark.parametrize("name", ENV_VARS)
def test_env_var_is_in_env_example(name):
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert re.search(rf"^#?\s*{re.escape(name)}=", text, re.MULTILINE), (
        f"{name} is read by the settings but not in .env.example"
    )


TABLE_VARIABLE = re.compile(r"^\| `([A-Z][A-Z0-9_]+)` \|", re.MULTILINE)
CODE_SUFFIXES = {".py", ".sh", ".yaml", ".yml", ".conf", ".toml", ""}


def test_configuration_md_documents_no_stale_variable():
    """The other way round: a variable in configuration.md's tables is still read somewhere."""
    documented = set(TABLE_VARIABLE.findall((DOCS / "configuration.md").read_text("utf-8")))
    code = "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in _walk(ROOT)
        if path.suffix in CODE_SUFFIXES
        and "docs" not in path.relative_to(ROOT).parts
        and path.name != ".env.example"
        and path.stat().st_size < 1_000_000
    )
    stale = sorted(name for name in documented if name not in code)
    assert not stale, f"docs/configuration.md documents variables nothing reads: {stale}"


def _walk(root: Path):
    for path in root.iterdir():
        if path.is_dir():
            if path.name not in SKIPPED_DIRS and not path.name.startswith("."):
                yield from _walk(path)
        else:
            yield path


def management_commands() -> list[str]:
    return sorted(
        path.stem
        for path in _walk(ROOT)
        if path.suffix == ".py"
        and path.parent.name == "commands"
        and path.parent.parent.name == "management"
        and not path.stem.startswith("_")
    )


COMMANDS = management_commands()


def test_the_commands_are_found():
    assert "seed_reference_data" in COMMANDS


@pytest.mark.parametrize("command", COMMANDS)
def test_command_is_in_commands_md(command):
    text = (DOCS / "commands.md").read_text(encoding="utf-8")
    assert re.search(rf"`{re.escape(command)}[` ]", text), (
        f"manage.py {command} is not in docs/commands.md"
    )


FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
INLINE_CODE = re.compile(r"`([^`\n]+)`")
REPO_PATH = re.compile(r"[A-Za-z0-9_.*-]+(/[A-Za-z0-9_.*-]+)*/?")


def repo_paths(doc: Path) -> list[str]:
    """Inline-code spans that look like a path in this repository: a relative path with a `/`,
    or a file ending in .py or .json. URLs (`/api/v1/...`), paths outside the repository
    (`../shared`), placeholders (`<app>`) and `file.py::test` selectors are read accordingly."""
    found = []
    for span in INLINE_CODE.findall(FENCE.sub("", doc.read_text(encoding="utf-8"))):
        span = span.split("::")[0].strip()
        if span.startswith(("/", "../", "http")) or not REPO_PATH.fullmatch(span):
            continue
        if "/" in span or span.endswith((".py", ".json")):
            found.append(span)
    return found


def _exists(span: str) -> bool:
    """A path exists from the repository root; a bare file name (`models.py`, as in "every app
    has a models.py") exists when some file in the repository has that name."""
    if "/" not in span:
        return any(path.name == span for path in _walk(ROOT))
    if "*" in span:
        return any(ROOT.glob(span))
    return (ROOT / span).exists()


PATH_DOCS = ["EXTENDING.md", "architecture.md"]


@pytest.mark.parametrize("doc", PATH_DOCS)
def test_paths_named_in_doc_exist(doc):
    paths = repo_paths(DOCS / doc)
    assert paths, f"docs/{doc} names no repository path"
    missing = sorted({span for span in paths if not _exists(span)})
    assert not missing, f"docs/{doc} names paths that do not exist: {missing}"


def test_path_finder_reads_spans_as_meant(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(
        "Touch `billing/bank_templates/*.json`, `ocrengine/apps.py` and `manage.py`, call "
        "`/api/v1/jobs/`, read `../shared/DESIGN.md`, run `tests/x/test_y.py::test_z`, "
        "see `tests/<app>/`, `env.str(` and `OCR_ENGINE`.\n```\nconfig/not_checked.py\n```\n",
        encoding="utf-8",
    )
    assert repo_paths(doc) == [
        "billing/bank_templates/*.json",
        "ocrengine/apps.py",
        "manage.py",
        "tests/x/test_y.py",
    ]


TEST_NAME = re.compile(r"`(test_[A-Za-z0-9_]+)`")


def test_tests_named_in_extending_md_exist():
    """A recipe's proof names a test; the test must still be there under that name."""
    named = set(TEST_NAME.findall((DOCS / "EXTENDING.md").read_text(encoding="utf-8")))
    defined = set()
    for path in _walk(ROOT / "tests"):
        if path.suffix == ".py":
            defined |= set(re.findall(r"^\s*def (test_\w+)", path.read_text("utf-8"), re.M))
    missing = sorted(named - defined)
    assert not missing, f"docs/EXTENDING.md names tests that do not exist: {missing}"
