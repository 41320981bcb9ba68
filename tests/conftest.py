"""Shared test fixtures: fixture vaults, golden files, and the real corpora."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
FIXTURES = TESTS / "fixtures"
VAULTS = FIXTURES / "vaults"
GOLDEN = FIXTURES / "golden"
REPO = TESTS.parent
CORPORA = FIXTURES / "corpora"


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
