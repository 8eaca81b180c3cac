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


@contextmanager
def progress_steps(label: str) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar on stderr when it is a terminal, for work that finds its size as it
    goes (the gate: manifests to read, then entries to check). Yields the callback
    `(stage, done, total)`; elsewhere (CI logs, pipes) it does nothing."""
    if not sys.stderr.isatty():
        yield lambda _stage, _done, _total: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(file=sys.stderr), transient=True) as progress:
        task = progress.add_task(label, total=None)

        def step(stage: str, done: int, total: int) -> None:
            progress.update(task, description=f"{label}: {stage}", completed=done, total=total)

        yield step


@contextmanager
def status(message: str) -> Iterator[None]:
    """A spinner with a message on stderr when it is a terminal; nothing elsewhere."""
    if not sys.stderr.isatty():
        yield
        return
    with Console(file=sys.stderr).status(message):
        yield
