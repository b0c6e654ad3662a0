"""From a corpus folder to the knowledge base: reading, cleaning, extraction, derivation.

The rule modules, the reader and the row builder (MODULES) may be compiled to C with mypyc
(`python -m db.ingest.native`, which make runs): the same code and results, about a quarter faster. The
compiled modules live in db/ingest/_native/<digest of their sources>/ and are imported instead of the .py
files only while the digest matches: an edited rule runs as plain Python until the next build, never as a
stale compiled copy.
Without a compiler, or before a build, everything runs as plain Python (also with CLIPPINGS_PURE_PYTHON=1).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Iterable, Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

PACKAGE = "db.ingest"
# The modules compiled, in one group (their calls to each other are C calls); the ones ingestion spends
# its time in.
MODULES = ("names", "clean", "extract", "reader", "rows")
GROUP = "clippings_rules"  # the group's shared library is the module GROUP__mypyc
HERE = Path(__file__).parent
NATIVE_DIR = HERE / "_native"


def source_digest(sources: Iterable[Path], salt: bytes = b"") -> str:
    """16 hex digits of the SHA-256 of `salt` and the files' bytes: what code was built or run from."""
    digest = hashlib.sha256(salt)
    for path in sources:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def sources_digest(folder: Path = HERE) -> str:
    """What the compiled modules are built from: the sources and the interpreter's version."""
    return source_digest((folder / f"{name}.py" for name in MODULES), sys.version.encode())


def _extension(folder: Path, stem: str) -> Path | None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    return None


def compiled_locations(build: Path) -> dict[str, Path] | None:
    """Module name -> extension file of a complete build in `build`, or None."""
    stems = {f"{GROUP}__mypyc": f"{GROUP}__mypyc"} | {f"{PACKAGE}.{name}": name for name in MODULES}
    found = {module: _extension(build, stem) for module, stem in stems.items()}
    return None if None in found.values() else {module: path for module, path in found.items() if path}


class _CompiledFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules (and their group's library) before the .py files."""

    def __init__(self, locations: dict[str, Path]) -> None:
        self.locations = locations

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        location = self.locations.get(fullname)
        return importlib.util.spec_from_file_location(fullname, location) if location else None


def _use_compiled() -> None:
    """Import the compiled modules from now on, if a build of the current sources exists (and
    CLIPPINGS_PURE_PYTHON is not set). Called below, before any rule module is imported."""
    if os.environ.get("CLIPPINGS_PURE_PYTHON"):
        return
    try:
        locations = compiled_locations(NATIVE_DIR / sources_digest())
    except OSError:
        return
    if locations is not None:
        sys.meta_path.insert(0, _CompiledFinder(locations))


_use_compiled()
