"""LiteLLM's `include:` directive, followed as the proxy follows it.

The proxy appends every included file's `model_list` to the config's (lists are extended):
an entry in an included file reaches the proxy as surely as one in the config. Each entry
names a file relative to the config that declares it (LiteLLM falls back to the root
config's directory when it is not there); a file already read is not read again; included
files may include others, in first-come order.

Bounds: at most MAX_DEPTH levels of nesting and MAX_FILES files of MAX_TOTAL_BYTES in all;
past them, or for a file that cannot be read, the manifest is refused (exit 2). A manifest
sent to the registry has no directory, so its `include:` is refused there too. Never
skipped: an include the gate did not read would be a deployment nobody checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from registry.codes import Code
from registry.errors import InputError, Problem
from registry.yamlload import Document, load_file, render_path

MAX_DEPTH = 8
MAX_FILES = 64
MAX_TOTAL_BYTES = 8 * 1024 * 1024
CODE = Code.G002


@dataclass(frozen=True)
class _Pending:
    entry: str
    declared_in: Path
    doc: Document  # the declaring document, for the line of the include
    index: int
    depth: int


def _refuse(doc: Document, index: int | None, message: str, remedy: str) -> InputError:
    path: tuple[str | int, ...] = ("include",) if index is None else ("include", index)
    return InputError(
        [Problem(CODE, message, remedy, doc.file, doc.line_of(path), render_path(path))]
    )


def _entries(doc: Document, location: Path, depth: int) -> list[_Pending]:
    data = doc.data if isinstance(doc.data, dict) else {}
    if "include" not in data:
        return []
    items = data["include"]
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise _refuse(
            doc, None, "include must be a list of file paths", "write include: [models.yaml]"
        )
    return [_Pending(item, location, doc, i, depth + 1) for i, item in enumerate(items)]


def _locate(pending: _Pending, root: Path) -> Path:
    declared = (pending.declared_in.parent / pending.entry).resolve()
    beside_root = (root.parent / pending.entry).resolve()
    if declared.is_file() or not beside_root.is_file():
        return declared
    return beside_root


def included_documents(doc: Document, location: Path | None) -> list[Document]:
    """Every document the config at `location` includes, in LiteLLM's merge order (not the
    config itself); InputError when one cannot be followed (module doc)."""
    if location is None:
        if isinstance(doc.data, dict) and "include" in doc.data:
            raise _refuse(
                doc,
                None,
                "include cannot be followed in a manifest sent to the registry",
                "send the merged config (every included model_list in one file), or run "
                "`clearance gate` locally where the included files are",
            )
        return []
    root = location.resolve()
    queue = _entries(doc, root, 0)
    seen = {root}
    found: list[Document] = []
    total = root.stat().st_size
    while queue:
        pending = queue.pop(0)
        if pending.depth > MAX_DEPTH:
            raise _refuse(
                pending.doc,
                pending.index,
                f"includes nest deeper than {MAX_DEPTH} levels",
                "flatten the includes",
            )
        path = _locate(pending, root)
        if path in seen:
            continue
        if not path.is_file():
            raise _refuse(
                pending.doc,
                pending.index,
                f"included file {pending.entry!r} not found (looked for {path})",
                "fix the path: it is relative to the config that declares the include",
            )
        seen.add(path)
        total += path.stat().st_size
        if len(seen) > MAX_FILES or total > MAX_TOTAL_BYTES:
            raise _refuse(
                pending.doc,
                pending.index,
                f"includes reach more than {MAX_FILES} files or "
                f"{MAX_TOTAL_BYTES // (1024 * 1024)} MiB",
                "merge the included files",
            )
        included = load_file(path, _display(path), manifest=True)
        if not isinstance(included.data, dict):
            raise _refuse(
                pending.doc,
                pending.index,
                f"included file {pending.entry!r} is not a YAML mapping",
                "include LiteLLM config files (with model_list:)",
            )
        found.append(included)
        queue.extend(_entries(included, path, pending.depth))
    return found


def _display(path: Path) -> str:
    """An included file's name as reports show it: relative to the working directory when
    it is below it, else as found."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
