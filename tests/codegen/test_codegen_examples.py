"""The generated code of every example, for every context and for the union of contexts,
passes `mypy --strict` and `ruff check` (Python), and is gofmt-clean, vets and builds (Go)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from cg_helpers import go, go_module, make_odd, make_shop, mypy_strict, require_go, ruff
from support import EXAMPLES

from pligos_tui import codegen
from pligos_tui.spec.load import load_service

SERVICES = sorted(p.name for p in EXAMPLES.iterdir() if (p / "pligos.yaml").is_file())


def _services(tmp: Path) -> list[Path]:
    return [EXAMPLES / name for name in SERVICES] + [make_shop(tmp), make_odd(tmp)]


def _variants(svc_path: Path) -> list[str | None]:
    return [None, *(c.name for c in load_service(svc_path).contexts)]


@pytest.fixture(scope="module")
def python_modules(tmp_path_factory) -> list[Path]:
    tmp = tmp_path_factory.mktemp("py")
    written = []
    for svc_path in _services(tmp):
        svc = load_service(svc_path)
        for context in _variants(svc_path):
            name = f"{svc.name}_{context or 'all'}".replace("-", "_") + ".py"
            out = codegen.render(svc, "python", context=context, out=tmp / "mods" / name)
            out.path.parent.mkdir(parents=True, exist_ok=True)
            out.path.write_bytes(out.data)
            written.append(out.path)
    return written


def test_every_example_has_python_and_they_pass_mypy_strict(python_modules):
    assert {p.name for p in python_modules} >= {"tokend_all.py", "tokend_prod.py",
                                                "hello_dev.py", "shop_all.py"}
    mypy_strict(*python_modules)


def test_generated_python_passes_ruff(python_modules):
    ruff(*python_modules)


@pytest.fixture(scope="module")
def go_packages(tmp_path_factory) -> tuple[Path, Path]:
    require_go()
    tmp = tmp_path_factory.mktemp("go")
    module = go_module(tmp / "mod", "example.com/all")
    for svc_path in _services(tmp):
        svc = load_service(svc_path)
        for context in _variants(svc_path):
            folder = module / f"{svc.name}{context or 'all'}".replace("-", "")
            out = codegen.render(svc, "go", context=context, out=folder)
            folder.mkdir(parents=True)
            out.path.write_bytes(out.data)
    return module, tmp / "cache"


def test_generated_go_is_gofmt_clean(go_packages):
    module, _ = go_packages
    gofmt = Path(require_go()).with_name("gofmt")
    result = subprocess.run([str(gofmt), "-l", str(module)], capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0 and result.stdout == "", result.stdout + result.stderr
    assert len(list(module.glob("*/pligosconfig.go"))) >= 10


def test_generated_go_vets_and_builds_with_the_standard_library(go_packages):
    module, cache = go_packages
    assert "require" not in (module / "go.mod").read_text()
    for args in (("vet", "./..."), ("build", "./...")):
        result = go(cache, module, *args)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("lang", ["python", "go"])
def test_regeneration_is_byte_identical(lang, tmp_path, example):
    svc = load_service(example("tokend"))
    first = codegen.render(svc, lang, context=None)
    again = codegen.render(load_service(svc.root), lang, context=None)
    assert first.data == again.data
    assert codegen.write(first, svc) == "written"
    assert codegen.write(again, svc) == "unchanged"
