"""Exit codes of every `clearance` command (documented in README.md)."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0  # valid / compliant / permitted / tests passed / no change
    FAILED = 1  # denied / violations / tests failed / changes found
    INVALID = 2  # invalid input: a file, flag or value could not be used
    UNREACHABLE = 3  # the registry service was unreachable or failed: never "compliant"
