"""An ingest killed with SIGKILL at random moments never leaves a broken or half-new knowledge base.

`clippings ingest` runs as a real process over a few hundred synthetic articles (some removed, changed
and added since the last ingest) and is killed ten times at random points from start-up to commit.
Every time, the database passes `PRAGMA integrity_check` and holds either the complete old corpus or
the complete new one: the same article count and the same export checksum as one of the two.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import check_knowledge_base

from benchmarks.generate import write_corpus
from db.backup import copy_database
from db.store import write_export

OLD_ARTICLES = 150
REMOVED, CHANGED, ADDED = 20, 40, 60
KILLS = 10


def _ingest(corpus: Path, db: Path, cwd: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLIPPINGS_", "DISCORD_"))}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "ingest", "--corpus", str(corpus), "--db", str(db), *extra],
        cwd=cwd,
        env=env | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the extraction workers die with it
    )


def _finish(process: subprocess.Popen[bytes]) -> str:
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err.decode()
    return out.decode()


def _state(db: Path) -> tuple[int, str]:
    """(articles, sha256 of the full export) after checking the file's integrity."""
    check_knowledge_base(db)  # PRAGMA integrity_check, foreign keys, no derived row pointing nowhere
    out = io.StringIO()
    write_export(db, out)
    document = out.getvalue()
    return len(json.loads(document)["articles"]), hashlib.sha256(document.encode()).hexdigest()


def _copy_db(source: Path, target: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".backup", ".backup.new"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    copy_database(source, target)


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """An old corpus, and the new one: REMOVED files gone, CHANGED rewritten, ADDED new."""
    root = tmp_path_factory.mktemp("kill")
    old, new, extra = root / "old", root / "new", root / "extra"
    write_corpus(old, OLD_ARTICLES, seed=21, workers=1)
    write_corpus(extra, ADDED, seed=22, workers=1)
    shutil.copytree(old, new)
    names = sorted(p.name for p in new.glob("*.txt"))
    for name in names[:REMOVED]:
        (new / name).unlink()
    manifest = new / "manifest.toml"
    blocks = manifest.read_text(encoding="utf-8").split("[[article]]")
    kept = [b for b in blocks if not any(f'file = "{name}"' in b for name in names[:REMOVED])]
    manifest.write_text("[[article]]".join(kept), encoding="utf-8")
    for name in names[REMOVED : REMOVED + CHANGED]:
        path = new / name
        path.write_text(path.read_text(encoding="utf-8") + "\n\nThe company declined to comment further.\n")
    for path in extra.glob("*.txt"):
        shutil.copy(path, new / f"new_{path.name}")
    return old, new


def test_a_killed_ingest_leaves_the_complete_old_or_the_complete_new_corpus(
    corpora: tuple[Path, Path], tmp_path: Path
) -> None:
    old_corpus, new_corpus = corpora
    template = tmp_path / "old.db"
    _finish(_ingest(old_corpus, template, tmp_path))
    old_state = _state(template)
    assert old_state[0] == OLD_ARTICLES

    expected = tmp_path / "expected.db"
    _copy_db(template, expected)
    started = time.monotonic()
    summary = _finish(_ingest(new_corpus, expected, tmp_path))
    duration = time.monotonic() - started
    assert f"added {ADDED}, updated {CHANGED}, unchanged {OLD_ARTICLES - REMOVED - CHANGED}, " in summary
    assert f"removed {REMOVED}, failed 0" in summary
    new_state = _state(expected)
    assert new_state[0] == OLD_ARTICLES - REMOVED + ADDED

    rng = random.Random(6)
    outcomes = []
    db = tmp_path / "killed.db"
    for _ in range(KILLS):
        _copy_db(template, db)
        process = _ingest(new_corpus, db, tmp_path)
        time.sleep(rng.uniform(0.05, duration * 1.05))
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate(timeout=60)
        state = _state(db)
        assert state in (old_state, new_state)
        outcomes.append("new" if state == new_state else "old")
    assert "old" in outcomes  # the kills did land before the commit


# ---------------------------------------------------------------- the same guard and backup from the shell


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLIPPINGS_", "DISCORD_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        capture_output=True,
        text=True,
        timeout=300,
    )


def _articles(db: Path) -> list[str]:
    out = io.StringIO()
    write_export(db, out)
    return [a["file"] for a in json.loads(out.getvalue())["articles"]]


def test_clippings_ingest_keeps_the_guard_the_backup_and_rollback_of_refresh(
    corpus_copy: Path, tmp_path: Path
) -> None:
    db = tmp_path / "kb.db"
    first = _run(tmp_path, "ingest", "--corpus", str(corpus_copy), "--db", str(db))
    assert first.returncode == 0, first.stderr
    everything = _articles(db)
    assert len(everything) == 5
    gone = everything[:3]
    for name in gone:
        (corpus_copy / name).unlink()
    (corpus_copy / "manifest.toml").unlink()

    refused = _run(tmp_path, "ingest", "--corpus", str(corpus_copy), "--db", str(db))
    assert refused.returncode == 2
    assert refused.stderr == (
        "clippings: this would remove 3 of the 5 articles loaded (files missing from the corpus folder); "
        "nothing was changed. If the corpus folder is meant to look like that, run again with --confirm\n"
    )
    assert _articles(db) == everything
    assert not Path(f"{db}.backup").exists()  # a refresh that changed nothing leaves no backup behind

    confirmed = _run(tmp_path, "ingest", "--corpus", str(corpus_copy), "--db", str(db), "--confirm")
    assert confirmed.returncode == 0, confirmed.stderr
    assert f"  removed: {', '.join(gone)}" in confirmed.stdout
    assert confirmed.stdout.endswith(
        f"The data from before is in {db}.backup: `clippings rollback` restores it.\n"
    )
    assert _articles(db) == everything[3:]

    rolled = _run(tmp_path, "rollback", "--db", str(db))
    assert rolled.returncode == 0, rolled.stderr
    assert rolled.stdout.splitlines()[0].startswith("Restored the backup taken ")
    assert _articles(db) == everything
    again = _run(tmp_path, "rollback", "--db", str(db))
    assert again.returncode == 0, again.stderr
    assert _articles(db) == everything[3:]  # the second rollback undid the first


def test_clippings_rollback_without_a_backup_says_so(tmp_path: Path) -> None:
    db = tmp_path / "kb.db"
    result = _run(tmp_path, "rollback", "--db", str(db))
    assert result.returncode == 2
    assert result.stderr == (
        f"clippings: there is no backup of {db} yet: one is made before each ingest that changes it\n"
    )
