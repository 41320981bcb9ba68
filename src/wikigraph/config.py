"""Find and validate the configuration: ``wikigraph.toml`` or ``[tool.wikigraph]`` in
``pyproject.toml``, looked up from the current folder upwards.

Returns a frozen :class:`Settings`; any invalid key or value raises :class:`ConfigError`
with a message that names the file, the key and what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from wikigraph.errors import ConfigError

SEVERITIES = ("error", "warning", "info")
COLOR_MODES = ("folder", "tag", "community", "obsidian")
DEFAULT_MAX_NOTE_SIZE = 10_000_000
DEFAULT_VAULT = Path("notes")
"""The vault when neither the command line nor the configuration names one."""


class Settings(NamedTuple):
    """Every option, with its default. Paths are absolute once loaded from a file.

    Immutable like the pipeline's frozen dataclasses, but a named tuple: every command
    loads the settings, and importing :mod:`dataclasses` (which imports :mod:`inspect`
    and :mod:`ast`) would cost a check with nothing to do about a tenth of its time.
    """

    vault: Path | None = None
    exclude: tuple[str, ...] = ()
    alias_links: bool = False
    """Resolve ``[[Alias]]`` to the note listing the alias (as Quartz and Foam do; Obsidian not)."""
    links_in_comments: bool = True
    """Count links inside ``%% ... %%`` Obsidian comments."""
    max_note_size: int = DEFAULT_MAX_NOTE_SIZE
    fail_level: str = "error"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    severity: Mapping[str, str] = MappingProxyType({})
    """Per-check severity: ``error``, ``warning``, ``info`` or ``off``."""
    baseline: Path | None = None
    cache_dir: Path | None = None
    no_cache: bool = False
    output: Path | None = None
    color_by: str = "folder"
    config_file: Path | None = None

    def with_overrides(self, **changes: object) -> Settings:
        """Return a copy with the given fields replaced (used for command-line options)."""
        return self._replace(**changes)  # type: ignore[arg-type]

    def __reduce__(self) -> tuple[type[Settings], tuple[object, ...]]:
        # pickle and copy cannot store the read-only default severity table; a copy gets a
        # plain dict with the same (no) entries.
        values = (dict(v) if isinstance(v, MappingProxyType) else v for v in self)
        return (Settings, tuple(values))


def _size(value: object) -> int:
    if isinstance(value, bool):
        raise ValueError('must be a size such as 10000000 or "10 MB"')
    if isinstance(value, int) and value > 0:
        return value
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(([kKmMgG])(i?)[bB]?)?\s*", value)
        if match:
            prefix, binary = (match.group(3) or "").lower(), bool(match.group(4))
            power = {"": 0, "k": 1, "m": 2, "g": 3}[prefix]
            scale = (1024 if binary else 1000) ** power
            size = int(float(match.group(1)) * scale)
            if size > 0:
                return size
    raise ValueError('must be a positive size such as 10000000 or "10 MB"')


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _str(value: object) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("must be a non-empty string")
    return value


def _str_list(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ValueError("must be a list of strings")
    return tuple(value)


def _choice(*choices: str) -> Callable[[object], str]:
    def check(value: object) -> str:
        if value not in choices:
            raise ValueError("must be one of " + ", ".join(choices))
        return str(value)

    return check


def _severity_table(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError('must be a table such as { ambiguous-link = "error" }')
    table: dict[str, str] = {}
    for code, level in value.items():
        if level not in (*SEVERITIES, "off"):
            raise ValueError(f'"{code}" must be one of error, warning, info, off')
        table[str(code)] = str(level)
    return table


_PATH_KEYS = {"vault", "baseline", "cache-dir", "output"}
_KEYS: dict[str, tuple[str, Callable[[object], object]]] = {
    "vault": ("vault", _str),
    "exclude": ("exclude", _str_list),
    "alias-links": ("alias_links", _bool),
    "links-in-comments": ("links_in_comments", _bool),
    "max-note-size": ("max_note_size", _size),
    "fail-level": ("fail_level", _choice(*SEVERITIES)),
    "select": ("select", _str_list),
    "ignore": ("ignore", _str_list),
    "severity": ("severity", _severity_table),
    "baseline": ("baseline", _str),
    "cache-dir": ("cache_dir", _str),
    "no-cache": ("no_cache", _bool),
    "output": ("output", _str),
    "color-by": ("color_by", _choice(*COLOR_MODES)),
}


def settings_from_table(table: Mapping[str, object], *, base: Path, origin: str) -> Settings:
    """Validate a ``[tool.wikigraph]`` table; relative paths are taken from ``base``."""
    values: dict[str, object] = {}
    for key, raw in table.items():
        if key not in _KEYS:
            import difflib

            close = difflib.get_close_matches(key, list(_KEYS), n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f'{origin}: unknown key "{key}"{hint}; known keys: {known}')
        name, convert = _KEYS[key]
        try:
            value = convert(raw)
        except ValueError as error:
            raise ConfigError(f"{origin}: {key} {error}") from None
        if key in _PATH_KEYS:
            value = (base / str(value)).resolve()
        values[name] = value
    return Settings(**values)  # type: ignore[arg-type]


def _read_toml(path: Path) -> dict[str, object]:
    import tomllib  # only when there is a file to read

    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: not UTF-8 ({error.reason})") from None
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from None


def load_config_file(path: Path) -> Settings:
    """Read settings from one file: ``wikigraph.toml`` (top-level keys) or a ``pyproject.toml``."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("wikigraph", {}) if isinstance(tool, dict) else {}
        origin = f"{path} [tool.wikigraph]"
    else:
        table = data
        origin = str(path)
    if not isinstance(table, dict):
        raise ConfigError(f"{origin}: must be a table")
    settings = settings_from_table(table, base=path.parent.resolve(), origin=origin)
    return settings._replace(config_file=path.resolve())


def find_config_file(start: Path) -> Path | None:
    """The nearest ``wikigraph.toml``, or ``pyproject.toml`` with a ``[tool.wikigraph]`` table."""
    for folder in (start.resolve(), *start.resolve().parents):
        candidate = folder / "wikigraph.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            try:
                data = _read_toml(candidate)
            except ConfigError:
                # A broken pyproject.toml that may not even be ours: only complain when
                # it visibly holds our table.
                try:
                    text = candidate.read_text(encoding="utf-8", errors="replace")
                except OSError:
                    continue
                if "[tool.wikigraph" in text:
                    raise
                continue
            tool = data.get("tool")
            if isinstance(tool, dict) and "wikigraph" in tool:
                return candidate
    return None


def load_settings(start: Path | None = None, config_file: Path | None = None) -> Settings:
    """Settings from ``config_file``, else the nearest config above ``start``, else defaults."""
    if config_file is not None:
        if config_file.is_dir():
            raise ConfigError(f'config file "{config_file}" is a folder (pass a TOML file)')
        if not config_file.is_file():
            raise ConfigError(f'config file "{config_file}" does not exist')
        return load_config_file(config_file)
    found = find_config_file(start if start is not None else Path.cwd())
    return load_config_file(found) if found is not None else Settings()
