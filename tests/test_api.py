"""The public API: every public module says what it exports in ``__all__``, and
each name there has a docstring and a place in the API reference (docs/api)."""

import ast
import importlib
import inspect
import pkgutil
import re
import types
from pathlib import Path

import pytensor
import pytensor.tensor
import pytest
from sphinx.pycode import ModuleAnalyzer

import dae
from tests.conftest import ROOT

DIRECTIVE = re.compile(r"^\.\. (auto\w+|py:\w+):: (\S+)((?:\n   .*|\n)*)", re.MULTILINE)


def public_modules():
    """The names of dae's modules whose path has no part starting with ``_``."""
    names = ["dae"]
    for info in pkgutil.walk_packages(dae.__path__, "dae."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def reference():
    """What docs/api documents: per module given with ``:members:``, the names it
    lists there (None: all of its ``__all__``) and those it excludes; and the
    objects named by a directive of their own."""
    members, named = {}, set()
    for page in sorted((ROOT / "docs" / "api").glob("*.rst")):
        for kind, target, options in DIRECTIVE.findall(page.read_text()):
            named.add(target)
            listed = re.search(r":members:(.*)", options)
            if kind == "automodule" and listed:
                excluded = re.search(r":exclude-members: (.*)", options)
                members[target] = (names_in(listed.group(1)), names_in(excluded and excluded[1]))
    return members, named


def names_in(text):
    """The comma-separated names of a directive's option; None for none."""
    names = {n.strip() for n in (text or "").split(",")} - {""}
    return names or None


MEMBERS, NAMED = reference()


def home(module, name, value):
    """Where ``value`` is defined: its module and name there, as a re-exported
    object is documented once, where it is defined."""
    if isinstance(value, types.ModuleType):
        return value.__name__, None
    if inspect.isclass(value) or inspect.isfunction(value):
        return value.__module__, value.__qualname__
    source = imported_from(module).get(name)
    return home(source, name, value) if source else (module, name)


def imported_from(module):
    """The names ``module`` imports with ``from X import name``, and each one's X."""
    tree = ast.parse(Path(importlib.import_module(module).__file__).read_text())
    return {
        alias.asname or alias.name: node.module
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


def in_reference(module, name, value=None):
    """Whether docs/api documents ``module.name`` (``name`` None: the module)."""
    if name is None:
        return module in NAMED
    if f"{module}.{name}" in NAMED:
        return True
    # A class documented under the package that exports it (``dae.dA``).
    if f"dae.{name}" in NAMED and getattr(dae, name, None) is value:
        return True
    if module not in MEMBERS:
        return False
    listed, excluded = MEMBERS[module]
    return (listed is None or name in listed) and name not in (excluded or ())


def has_docstring(module, name, value):
    """Whether ``value`` carries its own docstring; data, a ``#:`` comment."""
    if isinstance(value, types.ModuleType) or inspect.isclass(value) or callable(value):
        return bool((getattr(value, "__doc__", None) or "").strip())
    return ("", name) in ModuleAnalyzer.for_module(module).find_attr_docs()


@pytest.mark.parametrize("module", public_modules())
def test_each_public_module_declares_its_names_in_all(module):
    assert isinstance(getattr(importlib.import_module(module), "__all__", None), list)


@pytest.mark.parametrize("module", public_modules())
def test_each_exported_name_has_a_docstring_and_a_place_in_the_reference(module):
    imported = importlib.import_module(module)
    assert in_reference(module, None), f"{module} has no automodule in docs/api"
    missing = []
    for name in getattr(imported, "__all__", []):
        value = getattr(imported, name)
        where, defined_as = home(module, name, value)
        if any(getattr(source, name, None) is value for source in (pytensor, pytensor.tensor)):
            continue  # dae.theano hands on PyTensor's names, documented by PyTensor
        if not has_docstring(where, defined_as or name, value):
            missing.append(f"{name}: no docstring")
        if not in_reference(where, defined_as, value):
            missing.append(f"{name}: not in docs/api")
    assert not missing, f"{module}: " + "; ".join(missing)
