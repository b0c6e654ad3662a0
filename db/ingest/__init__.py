"""From a corpus folder to the knowledge base: reading, cleaning, extraction, derivation.

The rule modules (MODULES) may be compiled to C with mypyc (`python -m db.ingest.native`, which make runs):
the same code and results, about a quarter faster. The compiled modules live in
db/ingest/_native/<digest of their sources>/ and are imported instead of the .py files only while the
digest matches: an edited rule runs as plain Python until the next build, never as a stale compiled copy.
Without a compiler, or before a build, everything runs as plain Python (also with CLIPPINGS_PURE_PYTHON=1).
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

PACKAGE = "db.ingest"
# The modules compiled, in one group (their calls to each other are C calls); the ones ingestion spends
# its time in.
MODULES = ("names", "clean", "extract")
GROUP = "clippings_rules"  # the group's shared library is the module GROUP__mypyc
HERE = Path(__file__).parent
NATIVE_DIR = HERE / "_native"


def sources_digest(folder: Path = HERE) -> str:
    """What the compiled modules are built from: the sources and the interpreter's version."""
    digest = hashlib.sha256(sys.version.encode())
    for name in MODULES:
        digest.update((folder / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def _extension(folder: Path, stem: str) -> Path | None:
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        if (folder / f"{stem}{suffix}").is_file():
            return folder / f"{stem}{suffix}"
    return None


def compiled_locations(build: Path) -> dict[str, Path] | None:
    """Module name -> extension file of a complete build in `build`, or None."""
    found = {f"{GROUP}__mypyc": _extension(build, f"{GROUP}__mypyc")}
    found |= {f"{PACKAGE}.{name}": _extension(build, name) for name in MODULES}
    if any(path is None for path in found.values()):
        return None
    return {name: path for name, path in found.items() if path is not None}


class _CompiledFinder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules (and their group's library) before the .py files."""

    def __init__(self, locations: dict[str, Path]) -> None:
        self.locations = locations

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        location = self.locations.get(fullname)
        return importlib.util.spec_from_file_location(fullname, location) if location else None


def use_compiled() -> bool:
    """Import the compiled modules from now on, if a build of the current sources exists (and
    CLIPPINGS_PURE_PYTHON is not set). Called below, before any rule module is imported."""
    if os.environ.get("CLIPPINGS_PURE_PYTHON") or any(isinstance(f, _CompiledFinder) for f in sys.meta_path):
        return False
    try:
        locations = compiled_locations(NATIVE_DIR / sources_digest())
    except OSError:
        return False
    if locations is None:
        return False
    sys.meta_path.insert(0, _CompiledFinder(locations))
    return True



use_compiled()
