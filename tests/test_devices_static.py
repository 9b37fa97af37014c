"""Static check: every array-module name the engine uses exists in CuPy.

CuPy's wheel is 137 MB (cupy-cuda12x 14.2), too much for every CI run, so the check reads
autograd/cupy_names.txt, the names CuPy 14.2 exports, generated from CuPy itself by
`python tests/test_devices_static.py --write` (needs `pip install dyngrad[cuda]`; CuPy
imports without a GPU). Where CuPy is installed, a second test checks the list against it.
The stand-in device runs only these names too, so the two checks agree.
"""
import ast
import pathlib
import sys

import pytest

pytestmark = pytest.mark.device
ROOT = pathlib.Path(__file__).resolve().parents[1]
NAMES_FILE = ROOT / "autograd" / "cupy_names.txt"
SUBMODULES = ["linalg", "fft", "random", "lib.stride_tricks"]
# Host-side on purpose (autograd/backend.py): NumPy's floating-point error state.
HOST_ONLY = {"errstate"}


def cupy_names(cupy):
    """Public names of CuPy's namespace, its submodules, ndarray attributes and ufunc methods."""
    names = {n for n in dir(cupy) if not n.startswith("_")}
    for sub in SUBMODULES:
        module = cupy
        for part in sub.split("."):
            module = getattr(module, part)
        names |= {f"{sub}.{n}" for n in dir(module) if not n.startswith("_")}
    names |= {f"ndarray.{n}" for n in dir(cupy.ndarray) if not n.startswith("_")}
    names |= {f"ufunc.{n}" for n in dir(cupy.add) if not n.startswith("_")}
    return sorted(names)


def _is_module_call(node):
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "array_module"


def used_names():
    """Each `xp.a.b`, `array_module(x).a` and `module.a` (module = array_module(x)) the engine
    and nn use, with where."""
    used = {}
    for path in sorted([*ROOT.glob("autograd/**/*.py"), *ROOT.glob("nn/**/*.py")]):
        if path.name == "standin.py":   # the stand-in itself wraps NumPy
            continue
        nodes = list(ast.walk(ast.parse(path.read_text())))
        inner = {id(n.value) for n in nodes if isinstance(n, ast.Attribute)}  # xp.add of xp.add.at
        aliases = {"xp"} | {target.id for n in nodes if isinstance(n, ast.Assign) and _is_module_call(n.value)
                            for target in n.targets if isinstance(target, ast.Name)}
        for node in nodes:
            if isinstance(node, ast.Attribute) and id(node) not in inner:
                chain = []
                value = node
                while isinstance(value, ast.Attribute):
                    chain.append(value.attr)
                    value = value.value
                if (isinstance(value, ast.Name) and value.id in aliases) or _is_module_call(value):
                    used.setdefault(".".join(reversed(chain)), f"{path.relative_to(ROOT)}:{node.lineno}")
    return used


def _known(name, names):
    """`a.b` is known when CuPy has it, or `a` is a CuPy ufunc and `b` a ufunc method (np.add.at)."""
    head, _, rest = name.partition(".")
    return name in names or (head in names and f"ufunc.{rest}" in names)


def test_every_array_module_name_the_engine_uses_is_in_cupy():
    names = set(NAMES_FILE.read_text().split())
    used = used_names()
    assert {"exp", "where", "zeros", "arange"} <= set(used)  # the scan sees the engine
    missing = {n: where for n, where in used.items() if n not in HOST_ONLY and not _known(n, names)}
    assert not missing, f"not in CuPy (autograd/cupy_names.txt): {missing}"


def test_the_committed_list_is_cupys():
    cupy = pytest.importorskip("cupy", reason="CuPy not installed (pip install 'dyngrad[cuda]')")
    assert NAMES_FILE.read_text().split() == cupy_names(cupy), (
        f"autograd/cupy_names.txt is not CuPy {cupy.__version__}'s list; "
        "regenerate: python tests/test_devices_static.py --write")


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    import cupy
    NAMES_FILE.write_text("\n".join(cupy_names(cupy)) + "\n")


def test_no_op_imports_numpy_or_cupy_and_only_the_backend_knows_cupy():
    imports = {}
    for path in sorted([*ROOT.glob("autograd/**/*.py"), *ROOT.glob("nn/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            for name in names:
                imports.setdefault(name.split(".")[0], set()).add(str(path.relative_to(ROOT)))
    ops = {p for p in imports.get("numpy", set()) if p.startswith("autograd/ops/")}
    assert not ops, f"ops take their array module from autograd.backend, not numpy: {sorted(ops)}"
    assert imports.get("cupy") == {"autograd/backend.py"}, imports.get("cupy")
