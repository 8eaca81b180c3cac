"""Which catalog a command reads when it is not told: the resolution order of SPEC §5.

`--catalog DIR` > `CLEARANCE_CATALOG` > `./provider_catalog` (a checkout, or a user's own
copy) > the catalog shipped inside the installed package (`provider_catalog` package data,
found with `importlib.resources`), so an installed `clearance` works outside any checkout.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from registry.codes import Code
from registry.errors import CatalogError, Problem

PACKAGE = "provider_catalog"
LOCAL = Path("provider_catalog")
ENV = "CLEARANCE_CATALOG"


@dataclass(frozen=True)
class CatalogSource:
    """A catalog directory and how it was chosen (shown by `clearance --version`)."""

    path: Path
    chosen_by: str  # "--catalog", "CLEARANCE_CATALOG", "./provider_catalog" or "packaged"


def packaged_catalog() -> Path | None:
    """The catalog directory installed with the package, or None when it is missing."""
    try:
        root = importlib.resources.files(PACKAGE)
    except ModuleNotFoundError:
        return None
    path = Path(str(root))
    return path if (path / "providers").is_dir() else None


def resolve_catalog(
    option: Path | None, env: Mapping[str, str], cwd: Path | None = None
) -> CatalogSource:
    """The catalog to read. An explicit choice (option or variable) is returned as given, so
    a wrong path fails loudly where it is loaded; only the implicit defaults fall through."""
    if option is not None:
        return CatalogSource(option, "--catalog")
    if env.get(ENV):
        return CatalogSource(Path(env[ENV]), ENV)
    local = (cwd or Path.cwd()) / LOCAL
    if (local / "providers").is_dir():
        return CatalogSource(LOCAL if cwd is None else local, "./provider_catalog")
    packaged = packaged_catalog()
    if packaged is not None:
        return CatalogSource(packaged, "packaged")
    raise CatalogError(
        [
            Problem(
                Code.C003,
                "no catalog: no --catalog, no CLEARANCE_CATALOG, no ./provider_catalog/providers/ "
                "and no catalog in the installed package",
                "pass --catalog DIR (the directory that holds providers/) or reinstall "
                "clearance-llm",
                "provider_catalog",
            )
        ]
    )
