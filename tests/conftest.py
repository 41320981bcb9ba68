"""Shared test fixtures: fixture vaults, golden files, and the real corpora."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
VAULTS = FIXTURES / "vaults"
GOLDEN = FIXTURES / "golden"
REPO = TESTS.parent
CORPORA = FIXTURES / "corpora"
BENCHMARKS = REPO / "benchmarks"


def benchmark_script(name: str) -> ModuleType:
    """A script of ``benchmarks/`` imported as a module (once: later calls get the same)."""
    module_name = f"benchmarks_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    spec = importlib.util.spec_from_file_location(module_name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def generated_template(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    vault_generator: ModuleType,
    notes: int,
) -> Path:
    """A vault of ``notes`` generated with the seed ``request.param``, for a module-scoped
    fixture; tests copy it before changing it."""
    out = tmp_path_factory.mktemp(f"seed{request.param}") / "vault"
    vault_generator.generate_vault(out, notes, request.param)
    return out


def trust_fresh_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust the stat of files written seconds ago as if they were older, in the parse
    cache and the check state (test_cache checks what happens to files changed within the
    timestamp granularity)."""
    from wikigraph import cache, checkstate

    monkeypatch.setattr(cache, "RACY_NS", 0)
    monkeypatch.setattr(checkstate, "RACY_NS", 0)


def check_out_again(root: Path) -> None:
    """Write every file of the vault at ``root`` anew, as a fresh checkout does: the same
    bytes, with new inodes, ctimes and modification times."""
    earlier = root.with_name(root.name + "-earlier")
    root.rename(earlier)
    shutil.copytree(earlier, root, symlinks=True)
    shutil.rmtree(earlier)
    for note in root.rglob("*.md"):
        stat = note.stat()
        os.utime(note, ns=(stat.st_atime_ns, stat.st_mtime_ns + 7_000_000_000))


@pytest.fixture(params=[False, True], ids=["one process", "workers"])
def workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    """Each test twice: notes read in one process, then on all cores however small the
    vault; the value says which."""
    if request.param:
        monkeypatch.setattr("wikigraph.parallel.PARALLEL_MIN_BYTES", 2)
    return bool(request.param)


@pytest.fixture(scope="session")
def vault_generator() -> ModuleType:
    """``benchmarks/generate_vault.py``: synthetic vaults with their ground truth."""
    return benchmark_script("generate_vault")


@pytest.fixture(scope="session")
def headless_chromium() -> ModuleType:
    """``benchmarks/headless_chromium.py``: where Chromium is and how it is started."""
    return benchmark_script("headless_chromium")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files from the current output instead of comparing",
    )


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> object:
    """Keep the parse cache of every test run out of the user's cache folder."""
    from wikigraph.cachedir import ENV_VAR

    patch = pytest.MonkeyPatch()
    patch.setenv(ENV_VAR, str(tmp_path_factory.mktemp("wikigraph-cache")))
    yield
    patch.undo()


@pytest.fixture
def fixture_vault() -> object:
    """Return the path of a fixture vault by name."""

    def get(name: str) -> Path:
        path = VAULTS / name
        assert path.is_dir(), f"no fixture vault {name}"
        return path

    return get


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> object:
    """Compare text with a golden file (or rewrite it with --update-golden)."""
    update = bool(request.config.getoption("--update-golden"))

    def check(name: str, actual: str) -> None:
        path = GOLDEN / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(actual, encoding="utf-8", newline="\n")
            return
        assert path.exists(), f"missing golden file {name}: run pytest --update-golden"
        expected = path.read_text(encoding="utf-8")
        assert actual == expected, f"output differs from golden file {name}"

    return check


def corpus(name: str) -> Path:
    """A real public vault kept beside the repository, or skip when it is absent."""
    path = CORPORA / name
    if not path.is_dir():
        pytest.skip(f"corpus {name} not available at {path}")
    return path
