"""The dependency rule, checked: domain and application never import adapters, entrypoints or the
frameworks; domain never imports application."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FRAMEWORKS = frozenset({
    "sqlalchemy", "asyncpg", "aiosqlite", "litestar", "redis", "taskiq", "aiosmtplib", "jinja2", "dishka",
    "msgspec", "rich",
})  # fmt: skip
# Processes, sockets and the OS's own calls are infrastructure too: adapters own them.
OPERATING_SYSTEM = frozenset({"multiprocessing", "subprocess", "ctypes", "socket", "signal", "concurrent"})
FORBIDDEN = {
    "domain": FRAMEWORKS | OPERATING_SYSTEM | {"adapters", "entrypoints", "application"},
    "application": FRAMEWORKS | OPERATING_SYSTEM | {"adapters", "entrypoints"},
}


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every absolute import; a relative import stays inside its own package."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def violations(source: str, filename: str, layer: str) -> list[str]:
    """'file:line imports module' for each import the layer may not make."""
    banned = FORBIDDEN[layer]
    return [
        f"{filename}:{line} imports {module}"
        for line, module in imported_modules(ast.parse(source, filename))
        if module.split(".")[0] in banned
    ]


def layer_files(layer: str) -> list[Path]:
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    files = layer_files(layer)
    assert files, f"no Python files under {layer}/"
    problems = [
        problem
        for path in files
        for problem in violations(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)), layer)
    ]
    assert not problems, "layering broken:\n" + "\n".join(problems)


def test_checker_names_file_and_line_of_a_bad_import() -> None:
    source = "import uuid\n\nfrom adapters.clock import FixedClock\nimport sqlalchemy.orm as orm\n"
    assert violations(source, "application/bad.py", "application") == [
        "application/bad.py:3 imports adapters.clock",
        "application/bad.py:4 imports sqlalchemy.orm",
    ]


def test_checker_catches_imports_hidden_in_functions_and_domain_importing_application() -> None:
    source = "def f():\n    from application.ports import Clock\n    import jinja2\n"
    assert violations(source, "domain/bad.py", "domain") == [
        "domain/bad.py:2 imports application.ports",
        "domain/bad.py:3 imports jinja2",
    ]
    assert violations(source, "application/ok.py", "application") == ["application/ok.py:3 imports jinja2"]


def test_checker_does_not_flag_lookalike_names() -> None:
    source = "import redistribution\nfrom domain.rich_text import x\nfrom . import adapters\n"
    assert violations(source, "domain/ok.py", "domain") == []
