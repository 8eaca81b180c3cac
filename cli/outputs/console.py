"""A rich console that is coloured on a terminal and plain, fixed-width text elsewhere."""

from __future__ import annotations

import sys
from typing import TextIO

from rich.console import Console, RenderableType

PLAIN_WIDTH = 110


def console(stream: TextIO | None = None) -> Console:
    out = stream or sys.stdout
    if out.isatty():
        return Console(file=out, highlight=False)
    return Console(file=out, width=PLAIN_WIDTH, color_system=None, highlight=False, soft_wrap=False)


def print_trimmed(out: Console, renderable: RenderableType) -> None:
    """Print a table without the trailing spaces rich pads lines with."""
    with out.capture() as captured:
        out.print(renderable)
    for line in captured.get().splitlines():
        out.out(line.rstrip(), highlight=False)
