"""The shape of the code, held as a test: small functions and modules, data flowing one way
(spec → model → derivation → kernel → descent → CLI/UI), one list of each name, and a front
door that loads nothing heavy."""

import ast
import pathlib
import subprocess
import sys

import pytest

import tutor
from tutor import spec

PACKAGE = pathlib.Path(tutor.__file__).parent
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_FUNCTION, MAX_MODULE = 60, 400


def _functions(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node.name, node.lineno, node.end_lineno - node.lineno + 1


def _imports(path) -> set[str]:
    """The tutor modules a module imports, as dotted names relative to the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[:len(package.split(".")) - node.level + 1] if node.level \
                else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("tutor")}


def test_every_function_fits_on_a_screen():
    long = [f"{path.relative_to(PACKAGE)}:{line} {name} ({length} lines)"
            for path in MODULES for name, line, length in _functions(path)
            if length > MAX_FUNCTION]
    assert not long, f"functions longer than {MAX_FUNCTION} lines: {long}"


def test_every_module_is_one_concept_of_readable_size():
    large = [f"{path.relative_to(PACKAGE)} ({n} lines)" for path in MODULES
             if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE]
    assert not large, f"modules longer than {MAX_MODULE} lines: {large}"


def test_the_ui_and_the_command_line_are_adapters_side_by_side():
    """The UI never imports the command line; the command line only launches the UI (plain
    `tutor`, `tutor ui`, `tutor lesson`) through tutor.ui.run, and borrows nothing from it."""
    ui = [path for path in MODULES if "ui" in path.relative_to(PACKAGE).parts[:1]]
    cli = [path for path in MODULES if "cli" in path.relative_to(PACKAGE).parts[:1]]
    assert ui and cli
    assert not [p for p in ui if any(m.startswith("tutor.cli") for m in _imports(p))]
    borrowed = {m for p in cli for m in _imports(p) if m.startswith("tutor.ui")}
    assert borrowed <= {"tutor.ui", "tutor.ui.run"}, borrowed


@pytest.mark.parametrize("module", ["derivation", "backprop", "steps", "notation", "spec",
                                    "protocol"])
def test_the_symbolic_layer_does_not_import_the_numeric_one(module):
    numeric = {"tutor.kernel", "tutor.backends", "tutor.inplace", "tutor.descent",
               "tutor.session", "tutor.problem", "tutor.gradient_check", "tutor.cli", "tutor.ui"}
    imported = _imports(PACKAGE / f"{module}.py")
    assert not {m for m in imported for n in numeric if m == n or m.startswith(n + ".")}


def test_the_specs_load_without_the_maths_libraries():
    """The home screen draws from tutor.spec before SymPy and NumPy have loaded."""
    code = ("import sys, tutor.spec, tutor.cli.options; "
            "print(sorted(m for m in ('sympy', 'numpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_each_list_of_names_is_the_table_it_names():
    assert spec.ACTIVATION_NAMES == tuple(row.name for row in tutor.ACTIVATIONS)
    assert spec.LOSS_NAMES == tuple(row.name for row in tutor.LOSSES)
    assert spec.DATA_NAMES == tuple(tutor.datasets.BUILTIN)
    assert set(spec.OUTPUT_NAMES) <= {*spec.ACTIVATION_NAMES, "softmax"}
    assert set(spec.KIND_DEFAULTS) == set(spec.MODEL_KINDS)


def test_every_preset_builds_and_takes_a_step():
    for preset in spec.PRESETS:
        session = tutor.start(preset)
        step = session.forward()
        assert step is not None and step.t == 1, preset.key
