"""Imports run one way (issue 13 §4): hw7core → derivations/numerics → hw7/properties →
question glue, checker and CLI. Every import statement of every module is read (AST, also
imports inside functions), so a lazy upward import fails too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# package → the project packages it may import (itself always allowed)
ALLOWED = {
    "hw7core": set(),
    "derivations": {"hw7core"},
    "numerics": {"hw7core", "derivations"},
    "hw7.properties": {"hw7core", "derivations", "numerics"},
}
PROJECT = ("hw7core", "derivations", "numerics", "hw7")


def _layer(module: str) -> str:
    return "hw7.properties" if module.startswith("hw7.properties") else module.split(".")[0]


def _imports(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                yield node.lineno, a.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module
            for a in node.names:           # `from hw7 import native` names a module
                yield node.lineno, f"{node.module}.{a.name}"


def _files(package: str):
    folder = ROOT.joinpath(*package.split("."))
    return sorted(folder.rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_only_run_downwards(package):
    bad = []
    for path in _files(package):
        for line, name in _imports(path):
            top = name.split(".")[0]
            if top not in PROJECT:
                continue
            target = _layer(name)
            if target == package or target in ALLOWED[package]:
                continue
            if package == "hw7.properties" and name in ("hw7.props", "hw7.props.Check"):
                continue   # the property → Check adapter of the answer key
            bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not bad, "upward imports:\n" + "\n".join(bad)


def test_the_scan_sees_an_upward_import(tmp_path, monkeypatch):
    # mutation: the same scan must flag a planted upward import
    f = tmp_path / "m.py"
    f.write_text("def f():\n    from hw7.registry import Check\n")
    assert ("hw7.registry" in [n for _, n in _imports(f)])
