"""Strict YAML loading for catalog and policy files.

Rules (YAML 1.2 core schema, restricted):
- only `true`/`false` are booleans: `NO` is Norway, `yes`/`on`/`off` are strings;
- no anchors, aliases, merge keys or tags of any kind (`!!python/object` included) — except
  in deploy manifests (`manifest=True`): LiteLLM users share settings with anchors and merge
  keys (`<<: *azure`), so there anchors, aliases and merge keys are expanded, with a bound on
  the expanded size (no billion laughs) and on its depth (no recursive anchors); tags stay
  refused;
- no duplicate keys, only string keys, one document per file;
- dates and times stay strings (the schema decides what is a date);
- ambiguous numbers (`0755`: octal in YAML 1.1, decimal in 1.2) are errors, not guesses;
- size and nesting depth are limited.

The result is plain data (dict, list, str, int, float, bool, None) plus the line of every key
path, so later schema errors can name file, line and key.

Two parsers, one set of rules. libyaml's C parser (when PyYAML was built with it) reads the
events of every file, and a small builder turns them into data under the rules above. It only
ever *accepts*: at the first thing it would refuse, or is not sure of (an anchor, a tag, a
duplicate key, a syntax error, a control character, ...), it stops and the file is read again
by PyYAML's pure-Python reader, scanner, parser and composer — the reference, which decides
and words every error (its messages and lines are the ones users and tests know). So a
rejected file costs two parses, an accepted one a C parse, and a PyYAML without libyaml reads
everything with the reference. Manifests whose anchors must be expanded are composed from the
C events by PyYAML's composer and built by the same builder as the reference.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import (
    AliasEvent,
    CollectionStartEvent,
    DocumentEndEvent,
    Event,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import BaseResolver
from yaml.scanner import Scanner

from registry.codes import Code
from registry.errors import Problem, YamlError

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 32
MAX_EXPANDED_VALUES = 100_000  # manifests: values after expanding aliases

KeyPath = tuple[str | int, ...]

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT = re.compile(r"[-+]?[0-9]+")
_AMBIGUOUS_INT = re.compile(r"[-+]?0[0-9]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_SPECIAL_FLOAT = re.compile(r"[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)")
_MAX_NUMBER_CHARS = 40
_NUMBER_START = frozenset("+-.0123456789")
_LINE_BREAKS = ("\n", "\r", "\x85", "\u2028", "\u2029")  # PyYAML's, as its Reader counts them
# What the C path leaves to the reference before parsing (_c_defers): every character PyYAML's
# Reader refuses (its NON_PRINTABLE set); and where libyaml 0.2.5 accepts what PyYAML's scanner
# refuses: a tab (libyaml takes it as white space in more places), a byte order mark after the
# first character (libyaml skips one at the start of any line), and a comment right after a
# block scalar's indicators (`|#`, `>-#`: PyYAML wants a space first).
_C_DEFERS = re.compile(r"[^\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_BLOCK_HEADER_COMMENT = re.compile(r"[|>][-+0-9]*#")


def render_path(path: KeyPath) -> str:
    """`("deployments", 0, "id")` → `deployments[0].id`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


@dataclass(frozen=True)
class Document:
    """A loaded YAML document: plain data and the line of every key path."""

    file: str
    data: Any
    lines: Mapping[KeyPath, int] = field(default_factory=dict)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        for cut in range(len(path), -1, -1):
            line = self.lines.get(tuple(path[:cut]))
            if line is not None:
                return line
        return None


def _problem(file: str, line: int | None, key: str, code: str, msg: str, fix: str) -> YamlError:
    return YamlError([Problem(code, msg, fix, file, line, key)])


class _StrictComposer(Composer):
    """PyYAML's composer with anchors, aliases, tags and deep nesting refused; it reads events
    from whichever parser the loader class puts beside it (the Python one or libyaml's)."""

    file: str
    depth: int
    manifest: bool

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]
        line = event.start_mark.line + 1
        if self.manifest:
            pass  # anchors and aliases are expanded by _Builder, under its bounds
        elif isinstance(event, AliasEvent):
            raise _problem(
                self.file,
                line,
                "",
                Code.Y003,
                f"alias *{event.anchor} is not allowed",
                "write the value out in full; anchors and aliases are not supported",
            )
        elif event.anchor is not None:
            raise _problem(
                self.file,
                line,
                "",
                Code.Y003,
                f"anchor &{event.anchor} is not allowed",
                "remove the anchor and write each value out in full",
            )
        tag = getattr(event, "tag", None)
        if tag is not None and isinstance(event, ScalarEvent | CollectionStartEvent):
            raise _problem(
                self.file,
                line,
                "",
                Code.Y004,
                f"tag {tag} is not allowed",
                "remove the tag; quote the value if you meant a string",
            )
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _problem(
                self.file,
                line,
                "",
                Code.Y005,
                f"nesting deeper than {MAX_DEPTH} levels",
                "flatten the structure; catalog and policy files are shallow",
            )
        try:
            node = super().compose_node(parent, index)
        finally:
            self.depth -= 1
        return node


class _StrictLoader(Reader, Scanner, Parser, _StrictComposer, BaseResolver):
    """The reference: PyYAML's pure-Python reader, scanner and parser under _StrictComposer."""

    def __init__(self, text: str, file: str, manifest: bool = False) -> None:
        Reader.__init__(self, text)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        BaseResolver.__init__(self)
        self.file = file
        self.depth = 0
        self.manifest = manifest


try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml: the reference reads every file
    HAVE_LIBYAML = False
else:
    HAVE_LIBYAML = True


class _EventList:
    """PyYAML's parser interface (check, peek and get an event) over events already parsed."""

    def __init__(self, events: list[Event]) -> None:
        self.events = events
        self.at = 0

    def check_event(self, *choices: type[Event]) -> bool:
        if self.at >= len(self.events):
            return False
        return not choices or isinstance(self.events[self.at], choices)

    def peek_event(self) -> Event | None:
        return self.events[self.at] if self.at < len(self.events) else None

    def get_event(self) -> Event | None:
        event = self.peek_event()
        self.at += 1
        return event


class _EventListLoader(_EventList, _StrictComposer, BaseResolver):
    """_StrictComposer over libyaml's events (they carry marks, anchors and tags)."""

    def __init__(self, events: list[Event], file: str, manifest: bool) -> None:
        _EventList.__init__(self, events)
        Composer.__init__(self)
        BaseResolver.__init__(self)
        self.file = file
        self.depth = 0
        self.manifest = manifest


def _scalar(node: ScalarNode | ScalarEvent, file: str, key: str) -> Any:
    text: str = node.value
    if node.style in ("'", '"', "|", ">"):
        return text
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text[0] not in _NUMBER_START:
        return text  # no number, special float or ambiguous integer starts otherwise
    line = node.start_mark.line + 1 if node.start_mark is not None else None
    looks_numeric = _INT.fullmatch(text) or _FLOAT.fullmatch(text)
    if looks_numeric and len(text) > _MAX_NUMBER_CHARS:
        raise _problem(
            file,
            line,
            key,
            Code.Y006,
            f"number {text[:20]}… is too long",
            "use a smaller number, or quote it if it is an identifier",
        )
    if _AMBIGUOUS_INT.fullmatch(text):
        raise _problem(
            file,
            line,
            key,
            Code.Y006,
            f"{text} is ambiguous (octal in YAML 1.1, decimal in YAML 1.2)",
            f"quote it ('{text}') if it is a string, or drop the leading zero",
        )
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    if _SPECIAL_FLOAT.fullmatch(text):
        return float(text.replace(".", "", 1))  # Python spells `.inf` as `inf`
    return text


class _Builder:
    """Plain data from a composed node tree, recording the line of every key path. In
    manifest mode an alias is the node it names (expanded again at each use), bounded in
    count and depth, and a plain `<<` key merges mappings as YAML 1.1 merge keys do."""

    def __init__(self, file: str, manifest: bool) -> None:
        self.file = file
        self.manifest = manifest
        self.lines: dict[KeyPath, int] = {}
        self.values = 0

    def build(self, node: Node, path: KeyPath) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if self.manifest:
            self._count(node, path)
        if isinstance(node, ScalarNode):
            return _scalar(node, self.file, render_path(path))
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            return self._mapping(node, path)
        raise _problem(
            self.file,
            self.lines[path],
            render_path(path),
            Code.Y001,
            "unsupported YAML node",
            "use only mappings, lists and scalars",
        )

    def _count(self, node: Node, path: KeyPath) -> None:
        self.values += 1
        line = node.start_mark.line + 1
        if self.values > MAX_EXPANDED_VALUES:
            raise _problem(
                self.file,
                line,
                render_path(path),
                Code.Y011,
                f"aliases expand to more than {MAX_EXPANDED_VALUES} values",
                "write the shared settings out, or use fewer nested aliases",
            )
        if len(path) > MAX_DEPTH:
            raise _problem(
                self.file,
                line,
                render_path(path),
                Code.Y005,
                f"nesting deeper than {MAX_DEPTH} levels after expanding aliases",
                "remove the alias that refers to its own anchor, or flatten the structure",
            )

    def _key(self, key_node: Node, path: KeyPath) -> Any:
        line = key_node.start_mark.line + 1
        where = render_path(path)
        if not isinstance(key_node, ScalarNode):
            raise _problem(
                self.file,
                line,
                where,
                Code.Y007,
                "a mapping key must be a plain string",
                "write the key as text",
            )
        key = _scalar(key_node, self.file, where)
        if key == "<<" and not key_node.style:  # plain: None from PyYAML, "" from libyaml
            if self.manifest:
                return _MERGE
            raise _problem(
                self.file,
                line,
                where,
                Code.Y003,
                "merge keys (<<) are not allowed",
                "write the merged keys out in full",
            )
        if not isinstance(key, str):
            raise _problem(
                self.file,
                line,
                where,
                Code.Y007,
                f"key {key_node.value!r} is not a string",
                f"quote the key: '{key_node.value}'",
            )
        return key

    def _mapping(self, node: MappingNode, path: KeyPath) -> Any:
        out: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        merges: list[Node] = []
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            key = self._key(key_node, path)
            if key is _MERGE:
                merges.append(value_node)
                continue
            child = (*path, key)
            if key in out:
                raise _problem(
                    self.file,
                    line,
                    render_path(child),
                    Code.Y008,
                    f"duplicate key {key!r} (first at line {first_line[key]})",
                    "keep one of the two entries",
                )
            first_line[key] = line
            out[key] = self.build(value_node, child)
            self.lines[child] = line
        self._merge(out, merges, path)
        return out

    def _sources(
        self, merges: list[Node], path: KeyPath
    ) -> list[tuple[Node, Any, dict[KeyPath, int]]]:
        """Every mapping the merge keys name: (node, its data, the lines of its keys)."""
        found: list[tuple[Node, Any, dict[KeyPath, int]]] = []
        for value in merges:
            for source in value.value if isinstance(value, SequenceNode) else [value]:
                if not isinstance(source, MappingNode):
                    raise _problem(
                        self.file,
                        source.start_mark.line + 1,
                        render_path(path),
                        Code.Y003,
                        "a merge key (<<) must name a mapping or a list of mappings",
                        "write `<<: *anchor` where the anchor is on a mapping",
                    )
                kept: dict[KeyPath, int] = self.lines
                self.lines = {}
                try:
                    found.append((source, self._mapping(source, path), self.lines))
                finally:
                    self.lines = kept
        return found

    def _merge(self, out: dict[str, Any], merges: list[Node], path: KeyPath) -> None:
        """`<<: *a`, `<<: [*a, *b]`: keys not written in the mapping come from the mappings
        named. Which of two named mappings wins differs between YAML libraries (and PyYAML
        versions), so two that give a key different values are refused (CLR-Y012)."""
        depth = len(path)
        chosen = self._merged_keys(self._sources(merges, path), out, path)
        for key, (_node, data, lines) in chosen.items():
            out[key] = data[key]
            for where, line in lines.items():
                if len(where) > depth and where[depth] == key:
                    self.lines[where] = line

    def _merged_keys(
        self,
        sources: list[tuple[Node, Any, dict[KeyPath, int]]],
        out: dict[str, Any],
        path: KeyPath,
    ) -> dict[str, tuple[Node, Any, dict[KeyPath, int]]]:
        chosen: dict[str, tuple[Node, Any, dict[KeyPath, int]]] = {}
        for node, data, lines in sources:
            for key, value in data.items():
                if key in out:
                    continue  # written in the mapping itself: it wins everywhere
                if key in chosen and chosen[key][1][key] != value:
                    lines_at = sorted(
                        {chosen[key][0].start_mark.line + 1, node.start_mark.line + 1}
                    )
                    raise _problem(
                        self.file,
                        lines_at[-1],
                        render_path((*path, key)),
                        Code.Y012,
                        f"merge keys give {key!r} different values (lines "
                        f"{', '.join(map(str, lines_at))}); YAML libraries disagree on which wins",
                        f"write {key}: explicitly in this mapping",
                    )
                chosen.setdefault(key, (node, data, lines))
        return chosen


_MERGE = object()


class _DeferError(Exception):
    """The C path does not accept this file as it is; the reference reads it and decides."""


class _EventBuilder:
    """Plain data and the line map straight from libyaml's events, for the files that use
    nothing the rules refuse or expand. It defers (raises) at an anchor, alias, tag or merge
    key, a key that is not a string or repeats, nesting or a value count past the limits,
    a second document, and (through _scalar) an ambiguous or overlong number; the data and
    lines it returns are those _StrictComposer and _Builder would give."""

    def __init__(self, events: list[Event], file: str) -> None:
        self.next_event: Callable[[], Event] = iter(events).__next__
        self.file = file
        self.lines: dict[KeyPath, int] = {}
        self.values = 0

    def document(self) -> Document:
        self.next_event()  # StreamStartEvent
        if isinstance(self.next_event(), StreamEndEvent):  # else a DocumentStartEvent
            return Document(self.file, None, {(): 1})
        data = self.value(self.next_event(), (), 1)
        if not isinstance(self.next_event(), DocumentEndEvent):
            raise _DeferError
        if not isinstance(self.next_event(), StreamEndEvent):
            raise _DeferError  # another document
        return Document(self.file, data, self.lines)

    def value(self, event: Event, path: KeyPath, depth: int) -> Any:
        self.values += 1
        if depth > MAX_DEPTH or self.values > MAX_EXPANDED_VALUES:
            raise _DeferError
        kind = type(event)
        if kind is ScalarEvent:
            scalar: ScalarEvent = event  # type: ignore[assignment]
            self.lines[path] = _plain_line(scalar)
            return _scalar(scalar, self.file, "")
        if kind is MappingStartEvent or kind is SequenceStartEvent:
            start: CollectionStartEvent = event  # type: ignore[assignment]
            self.lines[path] = _plain_line(start)
            if kind is MappingStartEvent:
                return self.mapping(path, depth)
            return self.sequence(path, depth)
        raise _DeferError  # an alias

    def sequence(self, path: KeyPath, depth: int) -> list[Any]:
        out: list[Any] = []
        while type(event := self.next_event()) is not SequenceEndEvent:
            out.append(self.value(event, (*path, len(out)), depth + 1))
        return out

    def mapping(self, path: KeyPath, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        lines = self.lines
        while type(event := self.next_event()) is not MappingEndEvent:
            if not isinstance(event, ScalarEvent) or depth >= MAX_DEPTH:
                raise _DeferError
            line = _plain_line(event)
            key = _scalar(event, self.file, "")
            if type(key) is not str or key in out or (key == "<<" and not event.style):
                raise _DeferError
            child = (*path, key)
            out[key] = self.value(self.next_event(), child, depth + 1)
            lines[child] = line
        return out


def _plain_line(event: ScalarEvent | CollectionStartEvent) -> int:
    """The event's line, after checking it has no anchor and no tag."""
    if event.anchor is not None or event.tag is not None or event.start_mark is None:
        raise _DeferError
    return int(event.start_mark.line) + 1


def _libyaml_events(text: str) -> list[Event]:
    """Every event of the stream, from libyaml. It raises where libyaml does, and where the
    two parsers are known to part: see _check_flow_questions and _check_stream_end."""
    parser = CParser(text)
    events: list[Event] = []
    while (event := parser.get_event()) is not None:
        events.append(event)
    if "?" in text:
        _check_flow_questions(events)
    if not text.endswith(_LINE_BREAKS):
        _check_stream_end(events)
    return events


def _check_flow_questions(events: list[Event]) -> None:
    """A plain scalar inside a flow collection that holds a `?`: libyaml 0.2.5 reads `[a?b]`
    as one scalar, PyYAML ends the scalar at the `?` and refuses what follows."""
    flow = [False]  # per open collection: is it (or one around it) a flow collection?
    for event in events:
        if isinstance(event, CollectionStartEvent):
            flow.append(flow[-1] or bool(event.flow_style))
        elif isinstance(event, SequenceEndEvent | MappingEndEvent):
            flow.pop()
        elif isinstance(event, ScalarEvent) and flow[-1] and not event.style and "?" in event.value:
            raise _DeferError


def _check_stream_end(events: list[Event]) -> None:
    """A text without a final line break: libyaml moves the end of the stream to the start of a
    next line, PyYAML leaves it on the last line, so an empty value there (a last line `-`)
    would get another line than the reference gives it."""
    last = events[-1].start_mark
    end = (last.line, last.column) if last is not None else None
    for event in events:
        mark = event.start_mark
        if isinstance(event, ScalarEvent) and (mark is None or (mark.line, mark.column) == end):
            raise _DeferError


def _events_document(events: list[Event], file: str, manifest: bool) -> Document:
    return _EventBuilder(events, file).document()


def _composed_document(events: list[Event], file: str, manifest: bool) -> Document:
    """A manifest with anchors: libyaml's events, _StrictComposer's nodes, _Builder's data."""
    root = _EventListLoader(events, file, manifest).get_single_node()
    return _built(root, file, manifest)


def _built(root: Node | None, file: str, manifest: bool) -> Document:
    if root is None:
        return Document(file, None, {(): 1})
    builder = _Builder(file, manifest)
    data = builder.build(root, ())
    return Document(file, data, builder.lines)


def _line_at_byte(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def load_text(
    text: str, file: str = "<input>", *, manifest: bool = False, libyaml: bool = True
) -> Document:
    """Load one YAML document from text under the strict rules (`manifest`: module doc).
    libyaml's C parser reads it where it can; `libyaml=False` (or a PyYAML without libyaml)
    reads it with the pure-Python reference alone, which also words every error."""
    raw = text.encode("utf-8", errors="surrogatepass")
    if len(raw) > MAX_BYTES:
        raise _problem(
            file,
            _line_at_byte(raw, MAX_BYTES),
            "",
            Code.Y002,
            f"file is larger than {MAX_BYTES // 1024} KiB",
            "split it: one provider per catalog file, one policy per policy file",
        )
    if libyaml:
        doc = load_text_c(text, file, manifest=manifest)
        if doc is not None:
            return doc
    return _load_reference(text, file, manifest)


def load_text_c(text: str, file: str = "<input>", *, manifest: bool = False) -> Document | None:
    """The C path alone: the document as the reference would load it, or None where it defers
    to the reference (no libyaml, a character the reference refuses, anything the rules refuse
    or expand, any error). Limits on size are the caller's (load_text)."""
    if not HAVE_LIBYAML or _c_defers(text):
        return None
    try:
        events = _libyaml_events(text)
    except Exception:  # a syntax error, or libyaml and PyYAML may disagree: the reference decides
        return None
    attempts = [_events_document, _composed_document] if manifest else [_events_document]
    for attempt in attempts:
        try:
            return attempt(events, file, manifest)
        except Exception:  # refused or doubtful here: the next attempt, or the reference
            continue
    return None


def _c_defers(text: str) -> bool:
    """Whether the text holds what the C path leaves to the reference (see _C_DEFERS)."""
    return bool(
        _C_DEFERS.search(text)
        or text.find("\ufeff", 1) >= 0
        or ("#" in text and _BLOCK_HEADER_COMMENT.search(text))
    )


def _load_reference(text: str, file: str, manifest: bool) -> Document:
    """PyYAML's pure-Python path: the reference for what is accepted and how errors read."""
    try:
        loader = _StrictLoader(text, file, manifest)
    except yaml.reader.ReaderError as err:  # the Reader checks every character up front
        raise _problem(
            file,
            text.count("\n", 0, err.position) + 1,
            "",
            Code.Y001,
            f"not valid YAML: character #x{err.character:04x} is not allowed",
            "remove the control character, or write it as an escape in a double-quoted string",
        ) from None
    try:
        root = loader.get_single_node()
    except YamlError:
        raise
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else None
        raise _problem(
            file,
            line,
            "",
            Code.Y001,
            f"not valid YAML: {err.problem or err}",
            "fix the syntax at this line (indentation, quotes, colons)",
        ) from None
    except yaml.YAMLError as err:
        raise _problem(
            file, None, "", Code.Y001, f"not valid YAML: {err}", "fix the syntax of the file"
        ) from None
    except (ValueError, OverflowError) as err:
        # PyYAML's scanner calls chr() on `"\U00110000"` / `"\UFFFFFFFF"` escapes and int() on a
        # `%YAML` version of any length (Python refuses > 4300 digits) without catching either.
        raise _problem(
            file,
            loader.line + 1,
            "",
            Code.Y001,
            f"not valid YAML: a number or escape is out of range ({err})",
            "fix the escape sequence or directive at this line (\\U escapes end at 0010FFFF)",
        ) from None
    finally:
        loader.dispose()
    return _built(root, file, manifest)


def load_file(
    path: Path, display: str | None = None, *, manifest: bool = False, libyaml: bool = True
) -> Document:
    """Read and load a YAML file; `display` is the name used in errors (default: the path);
    `libyaml` as for load_text."""
    name = display or str(path)
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise _problem(
            name,
            None,
            "",
            Code.Y009,
            f"cannot read file: {err.strerror}",
            "check that the path exists and is readable",
        ) from None
    if len(raw) > MAX_BYTES:
        raise _problem(
            name,
            _line_at_byte(raw, MAX_BYTES),
            "",
            Code.Y002,
            f"file is larger than {MAX_BYTES // 1024} KiB",
            "split it: one provider per catalog file, one policy per policy file",
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _problem(
            name,
            _line_at_byte(raw, err.start),
            "",
            Code.Y010,
            "file is not UTF-8",
            "save the file as UTF-8",
        ) from None
    return load_text(text, name, manifest=manifest, libyaml=libyaml)
