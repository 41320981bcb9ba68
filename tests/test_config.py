"""Configuration: found by walking up, validated with clear messages, exit code 2 when bad."""

from __future__ import annotations

import copy
import pickle
import re
from pathlib import Path

import pytest

from wikigraph.cli import main
from wikigraph.config import Settings, find_config_file, load_settings
from wikigraph.errors import ConfigError


def test_config__defaults_without_a_file(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == Settings()


def test_config__settings_are_immutable_and_copy_and_pickle(tmp_path: Path) -> None:
    default = Settings()
    with pytest.raises(AttributeError):
        default.vault = tmp_path  # type: ignore[misc]
    with pytest.raises(TypeError):
        default.severity["orphan-note"] = "off"  # type: ignore[index]
    assert Settings().severity == {}
    configured = Settings(vault=tmp_path, exclude=("a/**",), severity={"orphan-note": "off"})
    for settings in (default, configured):
        assert pickle.loads(pickle.dumps(settings)) == settings
        assert copy.deepcopy(settings) == settings
    changed = configured.with_overrides(no_cache=True)
    assert (changed.no_cache, changed.vault, configured.no_cache) == (True, tmp_path, False)
    with pytest.raises(ValueError):
        configured.with_overrides(colour="red")


def test_config__pyproject_found_walking_up(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.wikigraph]\nvault = "kb"\nexclude = ["Templates/**"]\nalias-links = true\n'
        'max-note-size = "2 MB"\n[tool.wikigraph.severity]\nambiguous-link = "error"\n'
    )
    deep = tmp_path / "a" / "b"
    deep.mkdir(parents=True)
    settings = load_settings(deep)
    assert settings.vault == (tmp_path / "kb").resolve()
    assert settings.exclude == ("Templates/**",)
    assert settings.alias_links is True
    assert settings.max_note_size == 2_000_000
    assert settings.severity == {"ambiguous-link": "error"}
    assert settings.config_file == (tmp_path / "pyproject.toml").resolve()


def test_config__pyproject_without_our_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    assert find_config_file(tmp_path) is None


def test_config__wikigraph_toml_wins_in_the_same_folder(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.wikigraph]\nvault = "a"\n')
    (tmp_path / "wikigraph.toml").write_text('vault = "b"\n')
    assert load_settings(tmp_path).vault == (tmp_path / "b").resolve()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('valt = "x"\n', 'unknown key "valt" (did you mean "vault"?)'),
        ("alias-links = 1\n", "alias-links must be true or false"),
        ('fail-level = "fatal"\n', "fail-level must be one of error, warning, info"),
        ("max-note-size = -5\n", "max-note-size must be a positive size"),
        (
            'severity = { broken-link = "loud" }\n',
            '"broken-link" must be one of error, warning, info, off',
        ),
        ("vault = \n", "not valid TOML"),
    ],
)
def test_config__invalid_values(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "wikigraph.toml").write_text(text)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(tmp_path)


def test_config__not_utf8(tmp_path: Path) -> None:
    (tmp_path / "wikigraph.toml").write_bytes(b'vault = "caf\xe9"\n')
    with pytest.raises(ConfigError, match=re.escape("wikigraph.toml: not valid TOML: not UTF-8")):
        load_settings(tmp_path)
    (tmp_path / "wikigraph.toml").unlink()
    (tmp_path / "pyproject.toml").write_bytes(b'[project]\nname = "caf\xe9"\n')
    assert load_settings(tmp_path) == Settings()  # not ours: passed over
    (tmp_path / "pyproject.toml").write_bytes(b'[tool.wikigraph]\nvault = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(tmp_path)


def test_config__bad_config_is_exit_2_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "wikigraph.toml").write_text('colour-by = "tag"\n')
    (tmp_path / "notes").mkdir()
    monkeypatch.chdir(tmp_path)
    assert main(["links"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("wikigraph: error: ")
    assert 'unknown key "colour-by" (did you mean "color-by"?)' in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_config__explicit_missing_config_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["links", str(tmp_path), "--config", str(tmp_path / "none.toml")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["links", str(tmp_path), "--config", str(tmp_path)]) == 2
    assert "is a folder (pass a TOML file)" in capsys.readouterr().err


def test_config__vault_from_config_is_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "n.md").write_text("[[Missing]]\n")
    (tmp_path / "wikigraph.toml").write_text('vault = "kb"\n')
    sub = tmp_path / "sub"
    sub.mkdir()
    monkeypatch.chdir(sub)
    assert main(["links"]) == 0
    assert "n.md:1:1: wikilink [[Missing]] -> unresolved (missing)" in capsys.readouterr().out
