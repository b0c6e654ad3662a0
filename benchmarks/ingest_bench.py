"""Ingest benchmark: the full pipeline next to a bare sqlite3 insert of the same texts, in the same run.

    python -m benchmarks.ingest_bench [--sizes 10000,100000] [--seed S] [--repeat N]

For each corpus size (a synthetic corpus from benchmarks.generate, cached under benchmarks/out/), N pairs
(default 3; one pair from 100,000 articles on) of a bare insert then a full ingest, and a re-run; the
table shows the pair whose full/bare ratio is the median, and the ratio of every pair is listed:
  bare    plain sqlite3 in one process: read each file, split the first line off as the title, insert
          (title, body) into a table with the product's FTS5 index (the same external-content fts5 table,
          trigger and tokenizer as db/schema.py, same pragmas), 64 rows per INSERT as the product writes
          them (db.schema.ARTICLE_BATCH), one transaction.
  full    db.ingest.pipeline.run_ingest into a fresh database: scan, hash, clean, extract (on every core),
          store, derive the entity tables, all in one transaction.
  re-run  run_ingest again over the unchanged corpus, into the same database.

Memory, measured two ways. Each measurement runs in a fresh process (`--work`) that times the work alone
(not interpreter start-up or imports) and reports its own peak RSS (getrusage RUSAGE_SELF: "main"). It is
started by a small wrapper (`--child`) that makes itself the subreaper of everything below it, so that the
extraction pool (worker processes that multiprocessing spawns, children of the work process) is
reaped by the wrapper at the latest; the wrapper then reads getrusage RUSAGE_CHILDREN, the largest peak
RSS of any single process in the tree ("largest": the work process or a worker).
Meanwhile the benchmark samples the tree below the wrapper every 0.2 s from /proc and keeps the largest
totals ("tree RSS", "tree PSS"): RSS counts the pages that forked processes share once per process (an
overestimate); PSS divides shared pages between the processes that share them (the fair total). Sampling
can miss a peak shorter than 0.2 s; ru_maxrss cannot.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import resource
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks import OUT_DIR, PROJECT_ROOT
from benchmarks.generate import DEFAULT_SEED, GENERATOR_VERSION, cached_corpus
from db import schema

DEFAULT_SIZES = (10_000, 100_000)
RATIO_TARGET = 1 / 3
RERUN_TARGET_S = 15.0
RERUN_TARGET_SIZE = 100_000
# "Flat" memory: ten times the articles may cost at most half as much memory again.
FLAT_FACTOR = 1.5
# (bare, full) pairs per size below RERUN_TARGET_SIZE: the ratio of one pair varies with the machine's noise.
DEFAULT_REPEAT = 3
MAX_FILE_BYTES = 2_000_000
SAMPLE_INTERVAL = 0.2  # seconds between samples of the process tree
NOISE_SHARE = 0.1  # other processes using more than this share of one core make a timing unreliable


def bare_schema(tokenize: str) -> str:
    return f"""
    CREATE TABLE articles (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL, body TEXT NOT NULL);
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, body, content='articles', content_rowid='id', tokenize="{tokenize}"
    );
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, title, body) VALUES (new.id, new.title, new.body);
    END;
    """


def bare_insert(corpus: Path, db_path: Path) -> int:
    """The baseline: every article's (title, body) into an FTS5-indexed table, one transaction, written as the
    product writes its articles: schema.ARTICLE_BATCH rows per INSERT (one row per statement, as executemany
    does, makes FTS5 write an index segment per article: the same insert about twice as slow)."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    schema.configure(conn)
    conn.executescript(bare_schema(schema.FTS_TOKENIZE))
    files = sorted(corpus.glob("*.txt"))
    conn.execute("BEGIN")
    for start in range(0, len(files), schema.ARTICLE_BATCH):
        batch = files[start : start + schema.ARTICLE_BATCH]
        values: list[str] = []
        for path in batch:
            title, _, body = path.read_text(encoding="utf-8").partition("\n")
            values += (title.strip(), body.strip())
        rows = ", ".join(["(?, ?)"] * len(batch))
        conn.execute(f"INSERT INTO articles (title, body) VALUES {rows}", values)
    conn.execute("COMMIT")
    conn.close()
    return len(files)


def _work(mode: str, corpus: Path, db_path: Path) -> int:
    """Run one measurement in this process and print it as one JSON line."""
    result: dict[str, object] = {}
    if mode == "bare":
        started = time.perf_counter()
        result["articles"] = bare_insert(corpus, db_path)
        result["seconds"] = time.perf_counter() - started
    else:
        from db.ingest.pipeline import PIPELINE_VERSION, run_ingest

        started = time.perf_counter()
        report = run_ingest(db_path, corpus, max_file_bytes=MAX_FILE_BYTES, aliases_path=None)
        result["seconds"] = time.perf_counter() - started
        result.update(
            pipeline_version=PIPELINE_VERSION,
            warnings=report.warnings[:3],
            added=len(report.added),
            updated=len(report.updated),
            unchanged=len(report.unchanged),
            removed=len(report.removed),
            failed=len(report.failed),
            failures=[f"{f.file}: {f.reason}" for f in report.failed[:5]],
            articles=len(report.added) + len(report.updated) + len(report.unchanged),
        )
    own = resource.getrusage(resource.RUSAGE_SELF)
    result["self_maxrss_kb"] = own.ru_maxrss
    result["self_cpu_s"] = own.ru_utime + own.ru_stime
    print(json.dumps(result), flush=True)
    return 0


_PR_SET_CHILD_SUBREAPER = 36


def _child(mode: str, corpus: Path, db_path: Path) -> int:
    """Run `--work` below this process, reap the whole tree, add the tree's largest peak RSS."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    command = [sys.executable, "-m", "benchmarks.ingest_bench", "--work", mode, str(corpus), str(db_path)]
    work = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    while True:  # orphans of the work process (a worker it left) are ours now: wait for them too
        try:
            os.wait()
        except ChildProcessError:
            break
    if work.returncode != 0:
        return work.returncode
    result = json.loads(work.stdout.strip().splitlines()[-1])
    tree = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["tree_maxrss_kb"] = tree.ru_maxrss
    result["tree_cpu_s"] = tree.ru_utime + tree.ru_stime
    print(json.dumps(result), flush=True)
    return 0


# ---------------------------------------------------------------- the process tree, sampled from /proc


def _descendants(root: int) -> list[int]:
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as f:
                children = [int(c) for c in f.read().split()]
        except OSError:  # gone already
            continue
        found.extend(children)
        todo.extend(children)
    return found


def _rss_pss_kb(pid: int) -> tuple[int, int]:
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def busy_cpu_seconds() -> float:
    """CPU time spent by every process on the machine since boot (from /proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class TreeSampler(threading.Thread):
    """Peak total RSS and PSS of the descendants of a process, sampled every `interval` seconds."""

    def __init__(self, pid: int, interval: float = SAMPLE_INTERVAL) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss_kb = self.peak_pss_kb = 0
        self.peak_processes = 0
        self.cpu_seconds = 0.0  # what sampling cost: it shares the machine with the measured work
        self._stop_event = threading.Event()

    def run(self) -> None:
        started = time.thread_time()
        while not self._stop_event.is_set():
            pids = _descendants(self.pid)
            sizes = [_rss_pss_kb(pid) for pid in pids]
            self.peak_rss_kb = max(self.peak_rss_kb, sum(r for r, _ in sizes))
            self.peak_pss_kb = max(self.peak_pss_kb, sum(p for _, p in sizes))
            self.peak_processes = max(self.peak_processes, sum(1 for r, _ in sizes if r))
            self.cpu_seconds = time.thread_time() - started
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


@dataclass
class Measurement:
    articles: int
    seconds: float
    main_mb: float
    largest_mb: float
    tree_rss_mb: float
    tree_pss_mb: float
    processes: int
    cpu_seconds: float  # of the measured process tree
    other_cpu_seconds: float  # of everything else on the machine meanwhile (sampling included)
    detail: dict[str, object]

    @property
    def rate(self) -> float:
        return self.articles / self.seconds if self.seconds else 0.0

    @property
    def own_cpu(self) -> float:
        """CPU-seconds of the ingest process itself (its workers excluded)."""
        return float(self.detail["self_cpu_s"])  # type: ignore[arg-type]


def measure(mode: str, corpus: Path, db_path: Path) -> Measurement:
    """Run `--child mode` in a fresh process and collect its figures."""
    command = [sys.executable, "-m", "benchmarks.ingest_bench", "--child", mode, str(corpus), str(db_path)]
    busy_before = busy_cpu_seconds()
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    sampler = TreeSampler(process.pid)
    sampler.start()
    out, _ = process.communicate()
    sampler.stop()
    busy = busy_cpu_seconds() - busy_before
    if process.returncode != 0:
        raise RuntimeError(f"{mode} run failed with exit status {process.returncode}: {' '.join(command)}")
    result = json.loads(out.strip().splitlines()[-1])
    return Measurement(
        articles=int(result["articles"]),
        seconds=float(result["seconds"]),
        main_mb=result["self_maxrss_kb"] / 1024,
        largest_mb=result["tree_maxrss_kb"] / 1024,
        tree_rss_mb=sampler.peak_rss_kb / 1024,
        tree_pss_mb=sampler.peak_pss_kb / 1024,
        processes=sampler.peak_processes,
        cpu_seconds=float(result["tree_cpu_s"]),
        other_cpu_seconds=max(0.0, busy - float(result["tree_cpu_s"])),
        detail=result,
    )


def _remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def full_db_path(articles: int, seed: int = DEFAULT_SEED) -> Path:
    """Where the full ingest leaves its database (the query benchmark reuses it)."""
    return OUT_DIR / f"kb-{articles}-seed{seed}-v{GENERATOR_VERSION}.db"


@dataclass
class SizeResult:
    articles: int
    pairs: list[tuple[Measurement, Measurement]]  # (bare, full), run one after the other
    rerun: Measurement
    db_mb: float

    @property
    def ratios(self) -> list[float]:
        return [full.rate / bare.rate if bare.rate else 0.0 for bare, full in self.pairs]

    @property
    def _median(self) -> tuple[Measurement, Measurement]:
        """The pair whose full/bare ratio is the median (the lower one of an even number of pairs)."""
        ratios = self.ratios
        return self.pairs[ratios.index(statistics.median_low(ratios))]

    @property
    def bare(self) -> Measurement:
        return self._median[0]

    @property
    def full(self) -> Measurement:
        return self._median[1]

    @property
    def rerun_valid(self) -> bool:
        """False when db/ingest changed between the runs: the re-run then extracted everything again."""
        return self.full.detail.get("pipeline_version") == self.rerun.detail.get("pipeline_version")

    @property
    def ratio(self) -> float:
        return self.full.rate / self.bare.rate if self.bare.rate else 0.0


def repeats(articles: int, repeat: int) -> int:
    """How many (bare, full) pairs run at this size: `repeat` below RERUN_TARGET_SIZE, one from there on
    (a pair takes minutes there, and the ratio varies less)."""
    return repeat if articles < RERUN_TARGET_SIZE else 1


def run_size(articles: int, seed: int, log: bool = True, repeat: int = DEFAULT_REPEAT) -> SizeResult:
    corpus = cached_corpus(articles, seed)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    bare_db = OUT_DIR / f"bare-{articles}.db"
    full_db = full_db_path(articles, seed)
    _remove_db(bare_db)
    _remove_db(full_db)

    def say(text: str) -> None:
        if log:
            print(text, file=sys.stderr, flush=True)

    pairs = []
    count = repeats(articles, repeat)
    for number in range(1, count + 1):
        say(f"[{articles:,}] pair {number} of {count}: bare sqlite3 insert ...")
        bare = measure("bare", corpus, bare_db)
        _remove_db(bare_db)
        say(f"[{articles:,}]   {bare.seconds:.1f} s ({bare.rate:,.0f} art/s); full run_ingest, fresh DB ...")
        _remove_db(full_db)
        full = measure("full", corpus, full_db)
        say(
            f"[{articles:,}]   {full.seconds:.1f} s ({full.rate:,.0f} art/s, peak tree PSS "
            f"{full.tree_pss_mb:,.0f} MB), full/bare {full.rate / bare.rate:.2f}"
        )
        pairs.append((bare, full))
    say(f"[{articles:,}] re-run over the unchanged corpus ...")
    rerun = measure("full", corpus, full_db)
    say(f"[{articles:,}]   {rerun.seconds:.1f} s")
    for run, expect in (*((full, "added") for _, full in pairs), (rerun, "unchanged")):
        if run.detail.get(expect) != articles or run.detail.get("failed"):
            raise RuntimeError(f"run_ingest did not load the corpus as expected: {run.detail}")
    db_mb = sum(Path(f"{full_db}{s}").stat().st_size for s in ("", "-wal") if Path(f"{full_db}{s}").exists())
    return SizeResult(articles, pairs, rerun, db_mb / 2**20)


def machine() -> str:
    cores = os.cpu_count()
    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cores} cores, {memory_gib:.0f} GiB RAM, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )


def report(results: list[SizeResult], seed: int, repeat: int = DEFAULT_REPEAT) -> str:
    sizes = ",".join(str(r.articles) for r in results)
    lines = [
        "Ingest benchmark",
        f"  machine:    {machine()}",
        f"  corpus:     benchmarks.generate v{GENERATOR_VERSION}, seed {seed} (600-1,200 words per article)",
        f"  reproduce:  python -m benchmarks.ingest_bench --sizes {sizes} --seed {seed} --repeat {repeat}",
        "  each size:  the bare insert and the full ingest alternately, "
        + ", ".join(f"{r.articles:,}: {len(r.pairs)} pair{'s' * (len(r.pairs) > 1)}" for r in results)
        + "; the table shows the pair with the median full/bare",
        "",
        f"  {'articles':>9} | {'bare insert':>16} | {'full ingest':>16} | {'full/bare':>9} | "
        f"{'peak memory of the full ingest, MB':>41} | {'re-run':>7} | {'DB':>7}",
        f"  {'':>9} | {'art/s':>8} {'s':>7} | {'art/s':>8} {'s':>7} | {'':>9} | "
        f"{'main':>7} {'largest':>7} {'tree RSS':>9} {'tree PSS':>9} {'procs':>5} | {'s':>7} | {'MB':>7}",
    ]
    for r in results:
        f = r.full
        rerun = f"{r.rerun.seconds:.2f}" if r.rerun_valid else "invalid"
        lines.append(
            f"  {r.articles:>9,} | {r.bare.rate:>8,.0f} {r.bare.seconds:>7.1f} | "
            f"{f.rate:>8,.0f} {f.seconds:>7.1f} | "
            f"{r.ratio:>9.2f} | {f.main_mb:>7.0f} {f.largest_mb:>7.0f} {f.tree_rss_mb:>9.0f} "
            f"{f.tree_pss_mb:>9.0f} {f.processes:>5} | {rerun:>7} | "
            f"{r.db_mb:>7.0f}"
        )
    lines += [
        "",
        "  main: peak RSS of the ingest process (ru_maxrss); largest: largest peak RSS of any one process",
        "  in its tree, workers included (ru_maxrss of the reaped children); tree RSS/PSS: largest total",
        "  over the ingest process and the workers, sampled every 0.2 s from /proc",
        "  (RSS counts shared pages in every process; PSS shares them out). procs: most processes seen.",
        "  for comparison, peak RSS of the bare insert: "
        + ", ".join(f"{r.articles:,}: {r.bare.main_mb:.0f} MB" for r in results)
        + "; of the re-run (scan and hashes, nothing extracted): "
        + ", ".join(f"{r.articles:,}: {r.rerun.main_mb:.0f} MB" for r in results),
        "",
        "  CPU-seconds used during each run by the measured processes (of which the ingest process itself)",
        "  / by everything else on the machine, sampling included (near 0 for clean timings):",
    ]
    noisy = []
    cores = os.cpu_count() or 1
    for r in results:
        runs = (("bare", r.bare), ("full", r.full), ("re-run", r.rerun))
        lines.append(
            f"  {r.articles:>9,}: "
            + ", ".join(
                f"{name} {m.cpu_seconds:.1f} ({m.own_cpu:.1f}) / {m.other_cpu_seconds:.1f}"
                for name, m in runs
            )
        )
        # What the CPU time alone allows on idle cores: the ingest process's share cannot be spread.
        bare_best = r.articles / r.bare.cpu_seconds
        full_best = r.articles / max(r.full.cpu_seconds / cores, r.full.own_cpu)
        full_ms, own_ms = 1000 * r.full.cpu_seconds / r.articles, 1000 * r.full.own_cpu / r.articles
        lines.append(
            f"  {'':>9}  CPU per article: bare {1000 / bare_best:.2f} ms, full {full_ms:.2f} ms "
            f"({own_ms:.2f} ms in the ingest process); on {cores} idle cores at best "
            f"{bare_best:,.0f} and {full_best:,.0f} art/s, full/bare {full_best / bare_best:.2f}"
        )
        noisy += [
            f"{name} at {r.articles:,}" for name, m in runs if m.other_cpu_seconds > NOISE_SHARE * m.seconds
        ]
    if noisy:
        lines.append(
            f"  WARNING: other processes used over {NOISE_SHARE:.0%} of a core during {', '.join(noisy)}: "
            "those timings are pessimistic; rerun on a quiet machine."
        )
    for r in results:
        if len(r.pairs) > 1:
            lines.append(
                f"  full/bare of each pair at {r.articles:,}, in order: "
                + ", ".join(f"{ratio:.2f}" for ratio in r.ratios)
            )
    lines += ["", "Targets"]
    for r in results:
        verdict = "met" if r.ratio >= RATIO_TARGET else "MISSED"
        median = " (the median pair)" if len(r.pairs) > 1 else ""
        lines.append(f"  full/bare rate at {r.articles:,}: {r.ratio:.2f}{median} (target >= 0.33): {verdict}")
    for r in results:
        if not r.rerun_valid:
            lines.append(
                f"  re-run at {r.articles:,}: not valid: the source of db/ingest changed between the runs, "
                "so the re-run extracted every article again; run the benchmark again"
            )
        elif r.articles >= RERUN_TARGET_SIZE:
            verdict = "met" if r.rerun.seconds < RERUN_TARGET_S else "MISSED"
            lines.append(
                f"  re-run over unchanged {r.articles:,}: {r.rerun.seconds:.2f} s (target < 15 s): {verdict}"
            )
    if not any(r.articles >= RERUN_TARGET_SIZE for r in results):
        lines.append("  re-run at 100,000: not measured in this run (add 100000 to --sizes)")
    if len(results) >= 2:
        small, large = results[0], results[-1]
        growth = large.full.tree_pss_mb / small.full.tree_pss_mb if small.full.tree_pss_mb else 0.0
        verdict = "met" if growth <= FLAT_FACTOR else "MISSED"
        lines.append(
            f"  peak memory (tree PSS) {small.articles:,} -> {large.articles:,} articles: "
            f"{small.full.tree_pss_mb:.0f} -> {large.full.tree_pss_mb:.0f} MB, x{growth:.2f} "
            f"(flat: at most x{FLAT_FACTOR}): {verdict}"
        )
    else:
        lines.append("  flat memory: needs two sizes (e.g. --sizes 10000,100000)")
    return "\n".join(lines)


def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are positive numbers of articles, e.g. 10000,100000")
    return sizes


def parse_repeat(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError("the number of pairs is a whole number of at least 1, e.g. 3")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ingest_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", type=parse_sizes, default=list(DEFAULT_SIZES), help="e.g. 10000,100000")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument(
        "--repeat",
        type=parse_repeat,
        default=DEFAULT_REPEAT,
        help="(bare, full) pairs per size below 100,000",
    )
    parser.add_argument("--child", nargs=3, metavar=("MODE", "CORPUS", "DB"), help=argparse.SUPPRESS)
    parser.add_argument("--work", nargs=3, metavar=("MODE", "CORPUS", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        mode, corpus, db_path = args.child
        return _child(mode, Path(corpus), Path(db_path))
    if args.work:
        mode, corpus, db_path = args.work
        return _work(mode, Path(corpus), Path(db_path))
    results = [run_size(size, args.seed, repeat=args.repeat) for size in args.sizes]
    print(report(results, args.seed, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
