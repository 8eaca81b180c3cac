"""Load and check a catalog directory (`<dir>/providers/<id>.yaml`), all-or-nothing."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from registry.catalog.index import CatalogIndex
from registry.catalog.models import Provider
from registry.codes import Code
from registry.errors import CatalogError, InputError, Problem, YamlError
from registry.gcpause import gc_paused
from registry.validation import problems_from_validation
from registry.yamlload import Document, KeyPath, load_file, load_text, render_path

_PROVIDER_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")  # schema_types.Slug

if TYPE_CHECKING:
    from registry.catalog.overlay import FactOverlay


@dataclass(frozen=True)
class Catalog:
    """A validated catalog: providers by id, a content revision, and where each came from.

    A catalog *seen by one org* carries that org's attestations as `overlay` (SPEC §9): the
    same providers and revision, its own index, and a `cache_key` that names both, so nothing
    computed for one org's view is ever served for another's.
    """

    root: str
    providers: Mapping[str, Provider]
    revision: str
    files: Mapping[str, str]
    index: CatalogIndex = field(default_factory=CatalogIndex, compare=False, repr=False)
    overlay: FactOverlay | None = field(default=None, compare=False, repr=False)

    @property
    def cache_key(self) -> tuple[str, str]:
        """What decisions depend on: the catalog revision and the attestations in effect."""
        return self.revision, self.overlay.key if self.overlay is not None else ""

    @property
    def attestations_revision(self) -> str | None:
        return self.overlay.revision if self.overlay is not None else None


def _problem(doc: Document, path: KeyPath, message: str, remedy: str) -> Problem:
    return Problem(Code.C002, message, remedy, doc.file, doc.line_of(path), render_path(path))


def _provider_problems(provider: Provider, doc: Document, stem: str) -> list[Problem]:
    problems: list[Problem] = []
    if provider.id != stem:
        problems.append(
            _problem(
                doc,
                ("id",),
                f"id {provider.id!r} differs from file name",
                f"rename the file to {provider.id}.yaml or set id: {stem}",
            )
        )
    seen: dict[str, int] = {}
    for i, dep in enumerate(provider.deployments):
        if dep.id in seen:
            problems.append(
                _problem(
                    doc,
                    ("deployments", i, "id"),
                    f"deployment id {dep.id!r} repeats deployments[{seen[dep.id]}]",
                    "give every deployment its own id",
                )
            )
        seen.setdefault(dep.id, i)
    known = set(seen) or {"default"}
    model_seen: set[str] = set()
    for i, offering in enumerate(provider.models):
        if offering.id in model_seen:
            problems.append(
                _problem(
                    doc,
                    ("models", i, "id"),
                    f"model {offering.id!r} repeats",
                    "list each model once; use `deployments` to scope it",
                )
            )
        model_seen.add(offering.id)
        for j, dep_id in enumerate(offering.deployments or ()):
            if dep_id not in known:
                problems.append(
                    _problem(
                        doc,
                        ("models", i, "deployments", j),
                        f"unknown deployment {dep_id!r}",
                        f"use one of {sorted(known)}",
                    )
                )
    return problems


def _alias_entries(provider: Provider) -> Iterable[tuple[str, str, KeyPath]]:
    for kind in ("openrouter", "litellm", "vercel", "hosts"):
        for k, value in enumerate(getattr(provider.aliases, kind)):
            yield f"{kind}:{value.lower()}", provider.id, ("aliases", kind, k)
    for i, dep in enumerate(provider.deployments):
        for k, value in enumerate(dep.aliases.openrouter):
            yield (
                f"openrouter:{value.lower()}",
                provider.id,
                ("deployments", i, "aliases", "openrouter", k),
            )
        for k, host in enumerate([*dep.hosts, *dep.aliases.hosts]):
            yield f"hosts:{host.lower()}", provider.id, ("deployments", i, "hosts", k)


def _alias_problems(
    providers: Mapping[str, Provider], docs: Mapping[str, Document]
) -> list[Problem]:
    owner: dict[str, str] = {}
    problems: list[Problem] = []
    for provider in providers.values():
        for alias, pid, path in _alias_entries(provider):
            first = owner.setdefault(alias, pid)
            if first != pid:
                problems.append(
                    _problem(
                        docs[pid],
                        path,
                        f"alias {alias} also names provider {first}",
                        "an alias must name exactly one provider; remove one",
                    )
                )
    return problems


def canonical_document(provider: Provider) -> dict[str, Any]:
    """The provider as plain data with exactly the keys its file set: a key left out means
    "inherit" and a key set to null means "unknown here", so both must survive a round trip
    (store, export) and both count for the revision."""
    data: dict[str, Any] = provider.model_dump(mode="json", exclude_unset=True)
    return data


def revision_of(providers: Mapping[str, Provider]) -> str:
    """A content hash of the normalized catalog: equal catalogs have equal revisions."""
    digest = hashlib.sha256()
    for pid in sorted(providers):
        digest.update(json.dumps(canonical_document(providers[pid]), sort_keys=True).encode())
    return digest.hexdigest()[:16]


def load_provider(path: Path, display: str) -> tuple[Provider, Document]:
    return provider_from_document(load_file(path, display), path.stem)


def provider_from_document(doc: Document, stem: str) -> tuple[Provider, Document]:
    """A validated provider from a parsed file whose name (without suffix) is `stem`."""
    if not isinstance(doc.data, dict):
        raise CatalogError(
            [
                Problem(
                    Code.C001,
                    "a provider file must be a mapping",
                    "start the file with `id:` and `name:`",
                    doc.file,
                    1,
                    "",
                )
            ]
        )
    try:
        provider = Provider.model_validate(doc.data)
    except ValidationError as err:
        raise CatalogError(problems_from_validation(err, doc, Code.C001, Provider)) from None
    problems = _provider_problems(provider, doc, stem)
    if problems:
        raise CatalogError(problems)
    return provider, doc


def provider_files(root: Path) -> list[Path]:
    """The provider files of a catalog directory, or a CatalogError saying what is wrong."""
    directory = root / "providers"
    if not directory.is_dir():
        raise CatalogError(
            [
                Problem(
                    Code.C003,
                    f"{root} has no providers/ directory",
                    "point --catalog at the directory that holds providers/",
                    str(root),
                )
            ]
        )
    files = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    if not files:
        raise CatalogError(
            [
                Problem(
                    Code.C003,
                    f"{directory} holds no *.yaml files",
                    "add one provider file per provider",
                    str(directory),
                )
            ]
        )
    return files


def load_catalog(
    root: Path | str, progress: Callable[[Path, int, int], None] | None = None
) -> Catalog:
    """Load every provider file; raise one CatalogError listing every problem found.
    `progress(file, done, total)` hears of each file before it is read."""
    with gc_paused():  # thousands of small objects, no cycles (registry/gcpause.py)
        return _load_directory(Path(root), progress)


def _load_directory(root: Path, progress: Callable[[Path, int, int], None] | None) -> Catalog:
    return _load_files(root, provider_files(root), progress)


def _load_files(
    root: Path, files: list[Path], progress: Callable[[Path, int, int], None] | None = None
) -> Catalog:
    """The catalog of these provider files; one CatalogError listing every problem."""
    providers: dict[str, Provider] = {}
    docs: dict[str, Document] = {}
    problems: list[Problem] = []
    for done, path in enumerate(files):
        if progress is not None:
            progress(path, done, len(files))
        try:
            provider, doc = load_provider(path, str(path))
        except InputError as err:
            problems.extend(err.problems)
            continue
        providers[provider.id] = provider
        docs[provider.id] = doc
    if problems:
        raise CatalogError(problems)
    return build_catalog(str(root), providers, docs)


def load_named(root: Path | str, ids: Iterable[str]) -> Catalog:
    """A catalog of only the providers among `ids` that have a file (a provider's file is
    named by its id, `load_provider` checks it): what checking a few policy targets needs,
    without reading the other files. Raises CatalogError like `load_catalog`."""
    directory = Path(root) / "providers"
    files = [
        directory / f"{pid}{suffix}"
        for pid in sorted(set(ids))
        if _PROVIDER_ID.fullmatch(pid)  # not an id: no file can hold it
        for suffix in (".yaml", ".yml")
    ]
    return _load_files(Path(root), [f for f in files if f.is_file()])


def utf8_text(text: str, name: str) -> str:
    """`text` if it is what a UTF-8 file decodes to; else the CLI's `CLR-Y010` at the line of
    the first bad byte. An upload carries undecodable bytes as lone surrogates (Python's
    `surrogateescape`, or `\\udcXX` escapes in JSON): they are the file's invalid UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        line = text.count("\n", 0, err.start) + 1
        problem = Problem(Code.Y010, "file is not UTF-8", "save the file as UTF-8", name, line)
        raise YamlError([problem]) from None
    return text


def catalog_from_texts(root: str, files: Mapping[str, str]) -> Catalog:
    """A catalog from provider files given as name → YAML text (e.g. an upload), checked
    exactly like a directory; one CatalogError lists every problem."""
    with gc_paused():  # as load_catalog
        return _load_texts(root, files)


def _load_texts(root: str, files: Mapping[str, str]) -> Catalog:
    providers: dict[str, Provider] = {}
    docs: dict[str, Document] = {}
    problems: list[Problem] = []
    for name, text in sorted(files.items()):
        stem = name.rsplit("/", 1)[-1].removesuffix(".yaml").removesuffix(".yml")
        try:
            provider, doc = provider_from_document(load_text(utf8_text(text, name), name), stem)
        except InputError as err:
            problems.extend(err.problems)
            continue
        providers[provider.id] = provider
        docs[provider.id] = doc
    if not providers and not problems:
        problems.append(
            Problem(Code.C003, "the upload holds no provider files", "send one per provider", root)
        )
    if problems:
        raise CatalogError(problems)
    return build_catalog(root, providers, docs)


def build_catalog(root: str, providers: dict[str, Provider], docs: dict[str, Document]) -> Catalog:
    """A Catalog from validated providers, after the cross-provider checks."""
    problems = _alias_problems(providers, docs)
    if problems:
        raise CatalogError(problems)
    files = {pid: doc.file for pid, doc in docs.items()}
    return Catalog(root, providers, revision_of(providers), files)
