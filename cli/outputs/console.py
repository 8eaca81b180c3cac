"""A rich console that is coloured on a terminal and plain, fixed-width text elsewhere."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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


@contextmanager
def progress_bar(label: str, total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on stderr when it is a terminal; a silent counter elsewhere (CI logs).
    Yields the callback that advances it by one item."""
    if not sys.stderr.isatty():
        yield lambda _item: None
        return
    from rich.progress import Progress

    with Progress(console=Console(file=sys.stderr), transient=True) as progress:
        task = progress.add_task(label, total=total)
        yield lambda _item: progress.advance(task)
