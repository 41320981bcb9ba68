"""Errors that stop a run: bad configuration, a missing vault, an unusable output folder.

The command line turns each into a one-line message and exit code 2. Problems inside the
vault (a broken note, an unreadable file) are never raised: they become diagnostics.
"""

from __future__ import annotations


class WikigraphError(Exception):
    """A run cannot go on; the message says what to do."""


class ConfigError(WikigraphError):
    """The configuration file or an option is invalid."""


class VaultError(WikigraphError):
    """The vault folder does not exist or cannot be read."""


class OutputError(WikigraphError):
    """An output file or folder cannot be written safely."""
