"""A rich console that is coloured on a terminal and plain, fixed-width text elsewhere."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console

PLAIN_WIDTH = 110


def console(stream: TextIO | None = None) -> Console:
    out = stream or sys.stdout
    if out.isatty():
        return Console(file=out, highlight=False)
    return Console(file=out, width=PLAIN_WIDTH, color_system=None, highlight=False, soft_wrap=False)
