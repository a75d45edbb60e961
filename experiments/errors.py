"""The project's one error type: a problem the user can fix, printed as one line by the CLI."""

from __future__ import annotations


class OptionError(ValueError):
    """A bad option (its message names the option and what is valid) or a run directory that
    cannot be used (its message names the path). The CLI prints `error: <message>`, exit 2."""


__all__ = ["OptionError"]
