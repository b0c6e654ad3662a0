"""Compile the rule modules with mypyc (see db.ingest: when the compiled modules are used).

    python -m db.ingest.native      (make runs it; nothing to do when the build is up to date)

Needs mypyc (mypy, a dev dependency) and a C compiler; without them it says so and the rules run as plain
Python. Never fails the command that runs it.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from db.ingest import GROUP, HERE, MODULES, NATIVE_DIR, PACKAGE, compiled_locations, sources_digest


@contextmanager
def _output_to(log: Path) -> Iterator[None]:
    """Run with the working directory at the project's root (mypyc names the modules after their paths
    from there) and the compiler's chatter (stdout and stderr, also of subprocesses) in `log`."""
    cwd = os.getcwd()
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log.open("wb") as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        os.chdir(HERE.parent.parent)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.chdir(cwd)
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])


def build() -> str:
    """Compile the rules into NATIVE_DIR/<digest>/ (nothing to do if that build exists); remove older
    builds. Returns what happened, in one line. Raises RuntimeError if they cannot be compiled."""
    digest = sources_digest()
    target = NATIVE_DIR / digest
    if compiled_locations(target) is not None:
        return f"the compiled rules are up to date ({target.relative_to(HERE.parent.parent)})"
    try:
        from mypyc.build import mypycify
        from setuptools import Distribution
    except ImportError as exc:
        raise RuntimeError(f"mypyc is not installed ({exc.name})") from None
    with tempfile.TemporaryDirectory(prefix="clippings-native-") as work:
        out = Path(work, "out")
        log = Path(work, "log")
        try:
            with _output_to(log):
                extensions = mypycify(
                    [str(Path(*PACKAGE.split("."), f"{name}.py")) for name in MODULES],
                    group_name=GROUP,
                    target_dir=str(Path(work, "c")),
                )
                distribution = Distribution({"name": GROUP, "ext_modules": extensions})
                command = distribution.get_command_obj("build_ext")
                command.build_lib = str(out)
                command.build_temp = str(Path(work, "tmp"))
                distribution.run_command("build_ext")
        except SystemExit as exc:  # mypyc, after printing what it could not compile
            lines = log.read_text(errors="replace").splitlines()
            errors = [line for line in lines if ": error:" in line] or [f"mypyc stopped ({exc.code})"]
            raise RuntimeError(errors[0]) from None
        except Exception as exc:  # the C compiler (distutils' CompileError, LinkError)
            raise RuntimeError(str(exc) or type(exc).__name__) from None
        if sources_digest() != digest:
            raise RuntimeError("the rules changed during the build; run it again")
        staging = NATIVE_DIR / f".{digest}.partial"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for built in out.rglob("*"):
            if built.is_file():
                shutil.copy(built, staging / built.name)
        if compiled_locations(staging) is None:
            raise RuntimeError(f"the build is incomplete: {sorted(p.name for p in staging.iterdir())}")
        staging.rename(target)
    for old in NATIVE_DIR.iterdir():
        if old != target:
            shutil.rmtree(old, ignore_errors=True)
    return f"compiled the rules with mypyc ({target.relative_to(HERE.parent.parent)})"


def main() -> int:
    try:
        print(build())
    except (RuntimeError, OSError) as exc:
        print(f"could not compile the rules, so they run as plain Python (same results, slower): {exc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
