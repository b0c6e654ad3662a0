"""`clippings ingest` and `clippings export` as a user runs them: real processes, real files, exit codes,
one clear line for fatal problems, and a SIGKILL in the middle of an ingest that loses nothing."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import termios
import threading
import time
from contextlib import closing, suppress
from pathlib import Path

from conftest import check_knowledge_base
from synthetic import write_corpus

from bot.config import BUNDLED_CORPUS
from db.ingest.pipeline import run_ingest

FILES = sorted(p.name for p in BUNDLED_CORPUS.glob("*.txt"))


def env_for(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLIPPINGS_", "DISCORD_"))}
    env["CLIPPINGS_ALIASES"] = str(tmp_path / "no-aliases.toml")
    env.update(extra)
    return env


def clippings(tmp_path: Path, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=tmp_path,
        env=env_for(tmp_path, **extra),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_ingest_prints_a_summary_and_a_second_run_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "data" / "kb.db"
    first = clippings(tmp_path, "ingest", "--corpus", str(BUNDLED_CORPUS), "--db", str(db))
    assert first.returncode == 0, first.stderr
    assert first.stderr == ""  # no progress bar when stderr is not a terminal
    lines = first.stdout.splitlines()
    assert lines[0].startswith(f"Ingested {BUNDLED_CORPUS} into {db} in ")
    assert lines[1:] == [
        "  added 5, updated 0, unchanged 0, removed 0, failed 0",
        f"  added: {', '.join(FILES)}",
    ]
    second = clippings(tmp_path, "ingest", "--corpus", str(BUNDLED_CORPUS), "--db", str(db))
    assert second.returncode == 0
    assert second.stdout.splitlines()[1:] == ["  added 0, updated 0, unchanged 5, removed 0, failed 0"]


def test_ingest_defaults_come_from_the_settings(tmp_path: Path, corpus_copy: Path) -> None:
    (corpus_copy / "bad.txt").write_bytes(b"\x00\x01binary")
    (corpus_copy / "aliases.toml").write_text("[aliases\n", encoding="utf-8")
    env = {"CLIPPINGS_DB": str(tmp_path / "env.db"), "CLIPPINGS_CORPUS": str(corpus_copy)}
    result = clippings(tmp_path, "ingest", **env, CLIPPINGS_ALIASES=str(corpus_copy / "aliases.toml"))
    assert result.returncode == 0  # failed files are reported, not fatal
    assert "  added 5, updated 0, unchanged 0, removed 0, failed 2" in result.stdout
    assert "  failed: bad.txt: binary file (it contains NUL bytes), not text" in result.stdout
    assert "  failed: aliases.toml: TOML error in " in result.stdout
    assert (tmp_path / "env.db").is_file()


def test_ingest_with_a_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus", range(120))
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))  # a terminal has a width
    chunks: list[bytes] = []

    def read_terminal() -> None:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read_terminal)
    reader.start()
    try:
        command = ["ingest", "--corpus", str(tmp_path / "corpus"), "--db", str(tmp_path / "kb.db")]
        result = subprocess.run(
            [sys.executable, "-m", "bot", *command],
            cwd=tmp_path,
            env=env_for(tmp_path),
            stdout=subprocess.PIPE,
            stderr=follower,
            text=True,
            timeout=120,
        )
    finally:
        os.close(follower)
        reader.join(timeout=10)
        os.close(leader)
    bar = b"".join(chunks).decode()
    assert result.returncode == 0
    assert "/120 [" in bar and " files/s" in bar
    assert "added 120" in result.stdout


def test_fatal_problems_are_one_line_and_exit_2(tmp_path: Path) -> None:
    cases = [
        (
            ("ingest", "--corpus", str(tmp_path / "missing"), "--db", str(tmp_path / "kb.db")),
            f"clippings: corpus folder not found: {tmp_path / 'missing'}",
        ),
        (
            ("ingest", "--corpus", str(BUNDLED_CORPUS), "--db", str(tmp_path)),
            f"clippings: the database path is not a file: {tmp_path}",
        ),
        (
            ("export", "--db", str(tmp_path / "none.db")),
            f"clippings: no knowledge base at {tmp_path / 'none.db'}: run `clippings ingest` first",
        ),
        (
            ("export", "--db", str(BUNDLED_CORPUS / "manifest.toml")),
            f"clippings: cannot read {BUNDLED_CORPUS / 'manifest.toml'} as a knowledge base: "
            "file is not a database",
        ),
    ]
    for args, message in cases:
        result = clippings(tmp_path, *args)
        assert result.returncode == 2, args
        assert result.stderr == message + "\n", args
        assert result.stdout == ""


def test_export_prints_one_json_document(tmp_path: Path, corpus_db: Path) -> None:
    result = clippings(tmp_path, "export", "--db", str(corpus_db))
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert list(document) == [
        "articles",
        "quotes",
        "org_quotes",
        "partnerships",
        "people",
        "companies",
        "events",
    ]
    assert [a["file"] for a in document["articles"]] == FILES
    default = clippings(tmp_path, "export", CLIPPINGS_DB=str(corpus_db))
    assert json.loads(default.stdout) == document


# ---------------------------------------------------------------- SIGKILL in the middle of an ingest


def _state(db: Path) -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    """Every article with its hash, and every quote with its sources: what must be whole after a kill."""
    check_knowledge_base(db)
    with closing(sqlite3.connect(db)) as conn:
        articles = conn.execute("SELECT file, content_hash FROM articles ORDER BY file").fetchall()
        quotes = conn.execute(
            "SELECT COUNT(*), group_concat(a.file) FROM quote_sources s "
            "JOIN articles a ON a.id = s.article_id GROUP BY s.quote_id ORDER BY 2"
        ).fetchall()
    return articles, quotes


def _holds_write_lock(db: Path) -> bool:
    probe = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def test_sigkill_mid_ingest_leaves_the_old_knowledge_base_whole(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, range(300), version=1)
    old_db = tmp_path / "old.db"
    run_ingest(old_db, corpus, max_file_bytes=1_000_000, aliases_path=None)
    old = _state(old_db)
    assert len(old[0]) == 300

    for i in range(50):
        (corpus / f"gen_{i:05d}.txt").unlink()
    write_corpus(corpus, range(150, 600), version=2)  # 150 changed, 300 new, 50 removed
    new_db = tmp_path / "new.db"
    shutil.copy(old_db, new_db)
    run_ingest(new_db, corpus, max_file_bytes=1_000_000, aliases_path=None)
    new = _state(new_db)
    assert len(new[0]) == 550 and new != old

    outcomes = []
    for delay in (0.0, 0.2, 0.5):
        work = tmp_path / "work.db"
        for leftover in tmp_path.glob("work.db*"):
            leftover.unlink(missing_ok=True)
        shutil.copy(old_db, work)
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "ingest", "--corpus", str(corpus), "--db", str(work)],
            cwd=tmp_path,
            env=env_for(tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while not _holds_write_lock(work):
                assert process.poll() is None, "the ingest ended before it took the write lock"
                assert time.monotonic() < deadline
                time.sleep(0.005)
            time.sleep(delay)
            process.send_signal(signal.SIGKILL)
            assert process.wait(timeout=30) == -signal.SIGKILL
        finally:
            if process.poll() is None:
                process.kill()
            with suppress(ProcessLookupError):  # its worker processes, orphaned by the kill
                os.killpg(process.pid, signal.SIGKILL)
        state = _state(work)
        assert state in (old, new)
        outcomes.append("old" if state == old else "new")
    assert "old" in outcomes  # at least one kill landed inside the transaction

    # The next ingest picks up where the killed one left nothing behind.
    report = run_ingest(work, corpus, max_file_bytes=1_000_000, aliases_path=None)
    assert _state(work) == new
    counts = (len(report.added), len(report.updated), len(report.unchanged), len(report.removed))
    assert counts == ((300, 150, 100, 50) if outcomes[-1] == "old" else (0, 0, 550, 0))
