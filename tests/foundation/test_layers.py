"""Layering: the CLI layer (rag_answer.commands) sits on top; nothing below it may import it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "rag_answer"
CLI_LAYER = "rag_answer.commands"


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = list(path.relative_to(package.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_cli_layer(name: str) -> bool:
    """rag_answer/commands/*, rag_answer/cli* and rag_answer/__main__ may import the commands."""
    return (
        name == CLI_LAYER
        or name.startswith(CLI_LAYER + ".")
        or name.partition(".")[2].startswith("cli")
        or name == "rag_answer.__main__"
    )


def imported_modules(path: Path, package_root: Path = PACKAGE) -> list[tuple[int, str]]:
    """(line, module) for every import in the file: `import a.b`, `from a import b` (as a and a.b), relative ones
    resolved against the file's package, and `importlib.import_module("...")` with a literal name."""
    name = module_name(path, package_root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            found.extend((node.lineno, f"{module}.{alias.name}") for alias in node.names)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return found


def cli_imports_from_below(package: Path = PACKAGE) -> list[str]:
    bad = []
    for path in sorted(package.rglob("*.py")):
        if is_cli_layer(module_name(path, package)):
            continue
        for line, module in imported_modules(path, package):
            if module == CLI_LAYER or module.startswith(CLI_LAYER + "."):
                bad.append(f"{path.relative_to(package.parent)}:{line} imports {module}")
    return bad


def test_no_module_below_the_cli_layer_imports_rag_answer_commands() -> None:
    assert cli_imports_from_below() == []


def test_the_installed_package_imports_no_test_double() -> None:
    """The fake LLM and the tiny image pipeline live in tests/doubles, outside the installed package."""
    bad = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {module}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, module in imported_modules(path)
        if module == "tests" or module.startswith("tests.")
    ]
    assert bad == []
    assert not (PACKAGE / "llm" / "fake.py").exists() and not (PACKAGE / "image" / "testing.py").exists()


def test_the_check_sees_every_form_of_import(tmp_path: Path) -> None:
    root = tmp_path / "rag_answer"
    (root / "commands").mkdir(parents=True)
    (root / "chat").mkdir()
    for init in (root / "__init__.py", root / "commands" / "__init__.py", root / "chat" / "__init__.py"):
        init.write_text("", "utf-8")
    (root / "commands" / "ask.py").write_text("from rag_answer.answer import x\n", "utf-8")  # allowed: same layer
    (root / "cli.py").write_text("import rag_answer.commands.ask\n", "utf-8")  # allowed: the CLI itself
    (root / "chat" / "a.py").write_text("from rag_answer.commands.ask import audit_footer\n", "utf-8")
    (root / "chat" / "b.py").write_text("import rag_answer.commands\n", "utf-8")
    (root / "chat" / "c.py").write_text("from rag_answer import commands\n", "utf-8")
    (root / "chat" / "d.py").write_text("from ..commands import ask\n", "utf-8")
    (root / "chat" / "e.py").write_text("import importlib\nimportlib.import_module('rag_answer.commands.x')\n", "utf-8")
    (root / "chat" / "f.py").write_text("from rag_answer.chat import commands\n", "utf-8")  # a different module

    bad = cli_imports_from_below(root)
    assert sorted({entry.split(":")[0] for entry in bad}) == [f"rag_answer/chat/{name}.py" for name in "abcde"]
