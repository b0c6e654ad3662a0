"""Query benchmark: every command through the real bot, next to the bare sqlite3 queries behind it.

    python -m benchmarks.query_bench [--articles 100000] [--invocations 1000] [--seed S]

On the knowledge base the ingest benchmark leaves (benchmarks/out/kb-<N>-...db; built here if missing),
the bot runs in the offline stand-in (bot.offline): a raw INTERACTION_CREATE payload goes into
discord.py's gateway parser and the command runs for real (cogs, Store, embeds). Timed: from handing
the payload to the parser to the moment the bot hands the answer's request body to the stand-in (the
last request the interaction causes: the callback, or the follow-up of a deferred answer). Payloads are
built just before each dispatch, outside the timing, and every invocation comes from a new user (no
cooldowns).

"bare" is the same work in plain sqlite3: a first, untimed pass records the exact SQL statements the
Store runs for each distinct invocation (sqlite3 trace callbacks on its read connections, parameters
inlined); the bare timing replays those statements on one plain sqlite3 connection in this process and
fetches every row. Autocomplete and name resolution run in memory (no SQL); next to them the benchmark
shows, for reference only, an indexed prefix query on the aliases table that SQL would need instead.

Concurrency: 50 lookups dispatched at once, and one lookup dispatched behind 49 searches for the most
common word, each compared with the same command run alone.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from benchmarks.generate import DEFAULT_SEED, cached_corpus
from benchmarks.ingest_bench import busy_cpu_seconds, full_db_path, machine

DEFAULT_ARTICLES = 100_000
DEFAULT_INVOCATIONS = 1_000
LOOKUP_P99_MS = 5.0
SEARCH_P99_MS = 100.0
SEARCH_FACTOR, SEARCH_SLACK_MS = 1.5, 2.0
CONCURRENT = 50
PHASE_BUDGET_S = 120.0  # a command slow enough to need more is reported with fewer invocations
_DISTINCT = 200  # different names (or words) per command


def percentile(values: Sequence[float], share: float) -> float:
    """The nearest-rank percentile (share 0.99 -> p99)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Case:
    label: str
    texts: list[str]  # the invocations, in order ("/command opt:value ..."), or autocomplete values
    target: str = ""  # "lookup", "search" or "" (no target)
    autocomplete: tuple[str, str] | None = None  # (command text, option) when the case is autocomplete
    bot_ms: list[float] = field(default_factory=list)
    bare_ms: list[float] = field(default_factory=list)
    reference_ms: list[float] = field(default_factory=list)  # the SQL prefix query, for autocomplete
    failures: list[str] = field(default_factory=list)
    others: float = 0.0  # cores used by other processes on the machine during the timed pass
    stopped: bool = False  # a phase ran out of time before every invocation was measured


@dataclass
class Concurrency:
    label: str
    alone_ms: float  # p50 of the same commands run one at a time
    latencies_ms: list[float]
    watched_ms: float | None = None  # the one lookup behind the searches


# ---------------------------------------------------------------- inputs from the knowledge base


def _sample(conn: sqlite3.Connection, sql: str, rng: random.Random, k: int = _DISTINCT) -> list[Any]:
    rows = [r[0] for r in conn.execute(sql)]
    if not rows:
        raise RuntimeError(f"the knowledge base has nothing for: {sql}")
    return rng.sample(rows, min(k, len(rows)))


def _terms(conn: sqlite3.Connection) -> list[tuple[str, int]]:
    """Every indexed word of the articles with the number of articles that contain it."""
    conn.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.article_terms USING fts5vocab(main, articles_fts, row)"
    )
    rows = conn.execute("SELECT term, doc, cnt FROM temp.article_terms ORDER BY doc DESC, cnt DESC")
    return [(t, d) for t, d, _ in rows if t.isalpha()]


def build_cases(conn: sqlite3.Connection, n: int, seed: int) -> tuple[list[Case], dict[str, str]]:
    rng = random.Random(f"queries/{seed}")
    people = _sample(conn, "SELECT name FROM entities WHERE id IN (SELECT person_id FROM quotes)", rng)
    companies = _sample(
        conn, "SELECT name FROM entities WHERE id IN (SELECT company_a FROM partnerships)", rng
    )
    with_events = _sample(
        conn,
        "SELECT name FROM entities WHERE kind = 'company' AND id IN (SELECT entity_id FROM event_companies)",
        rng,
    )
    article_ids = _sample(conn, "SELECT id FROM articles", rng)
    quote_words = []
    for name in people[:50]:
        text = conn.execute(
            "SELECT q.text FROM quotes q JOIN entities e ON e.id = q.person_id WHERE e.name = ? LIMIT 1",
            (name,),
        ).fetchone()[0]
        words = [w.strip(".,;:’'") for w in text.split() if len(w.strip(".,;:’'")) >= 7]
        quote_words.append((name, rng.choice(words) if words else text.split()[0]))
    terms = _terms(conn)  # most common first
    titles = [
        conn.execute("SELECT title FROM articles WHERE id = ?", (i,)).fetchone()[0] for i in article_ids
    ]
    title_words = [w for title in titles for w in title.split() if len(w) >= 4 and w.isalpha()]
    articles = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    common = [t for t, _ in terms[:5]]
    medium = [t for t, d in terms if 0.01 * articles <= d <= 0.05 * articles] or common
    rare = [t for t, d in terms if 2 <= d <= 10] or common
    facts = {
        "most common words": ", ".join(f"{t} ({d:,} articles)" for t, d in terms[:5]),
        "articles": f"{articles:,}",
    }

    def cycle(values: Sequence[Any], template: str) -> list[str]:
        return [template.format(values[i % len(values)]) for i in range(n)]

    def name_prefixes(names: Sequence[str]) -> list[str]:
        out = []
        for i in range(n):
            name = names[i % len(names)]
            out.append(name[: 1 + i % min(6, len(name))])  # 1 to 6 letters typed
        return out

    cases = [
        Case("/partnership company:", cycle(companies, "/partnership company:{}"), "lookup"),
        Case("/quote person:", cycle(people, "/quote person:{}"), "lookup"),
        Case(
            "/quote person: about:",
            [
                f"/quote person:{p} about:{w}"
                for p, w in (quote_words[i % len(quote_words)] for i in range(n))
            ],
        ),
        Case("/person name:", cycle(people, "/person name:{}"), "lookup"),
        Case("/company name:", cycle(companies, "/company name:{}"), "lookup"),
        Case("/article article:<id>", cycle(article_ids, "/article article:{}"), "lookup"),
        Case("/timeline company:", cycle(with_events, "/timeline company:{}")),
        Case("/timeline", ["/timeline"] * n),
        Case("/about", ["/about"] * n),
        Case(
            "/search, a rare word", cycle(rng.sample(rare, min(50, len(rare))), "/search query:{}"), "search"
        ),
        Case(
            "/search, a word in 1-5%",
            cycle(rng.sample(medium, min(50, len(medium))), "/search query:{}"),
            "search",
        ),
        Case("/search, two common words", cycle([f"{common[1]} {common[2]}"], "/search query:{}"), "search"),
        Case("/search, the most common word", cycle(common[:1], "/search query:{}"), "search"),
        Case("autocomplete person", name_prefixes(people), "lookup", ("/quote", "person")),
        Case("autocomplete company", name_prefixes(companies), "lookup", ("/partnership", "company")),
        Case(
            "autocomplete article",
            [w[: 3 + i % 5] for i, w in enumerate(cycle(title_words, "{}"))],
            "lookup",
            ("/article", "article"),
        ),
    ]
    return cases, facts


# ---------------------------------------------------------------- the bot side


class Bench:
    """The bot in the offline stand-in, plus a plain sqlite3 connection to the same database."""

    def __init__(self, offline: Any, store: Any, bare: sqlite3.Connection) -> None:
        self.offline, self.store, self.bare = offline, store, bare
        self._users = iter(range(10**17, 10**18))
        self._statements: list[str] = []

    async def payload(self, case: Case, text: str) -> dict[str, Any]:
        if case.autocomplete is None:
            return dict(self.offline.command_payload(text, user_id=next(self._users)))
        return await self._autocomplete_payload(case.autocomplete, text)

    async def _autocomplete_payload(self, where: tuple[str, str], value: str) -> dict[str, Any]:
        """The stand-in builds autocomplete payloads inside autocomplete(); catch the one it would send."""
        caught: list[dict[str, Any]] = []

        async def catch(payload: dict[str, Any], **_: Any) -> Any:
            caught.append(payload)
            return SimpleNamespace(choices=[])

        self.offline.dispatch = catch
        try:
            await self.offline.autocomplete(where[0], where[1], value)
        finally:
            del self.offline.dispatch
        return caught[0]

    async def run(self, payload: dict[str, Any]) -> tuple[float, Any]:
        """Dispatch one payload; milliseconds to the last recorded request, and the result."""
        started = time.perf_counter()
        result = await self.offline.dispatch(payload)
        answered = max((r.at for r in result.requests), default=time.perf_counter())
        await self.settle()
        return (answered - started) * 1000, result

    async def settle(self) -> None:
        """Let the paging buttons time out now, untimed. The stand-in looks at every live asyncio task on
        each dispatch, and each live view has a timer task: thousands of them would slow the stand-in,
        not the bot (discord.py finds views by id). Then let the stand-in forget the messages it holds:
        thousands of them would slow the bot's garbage collections, which no real bot holds."""
        await self.offline.time_out_views()
        self.offline.forget()

    async def trace(self, on: bool) -> None:
        # The Store's read connections: the only way to see the SQL it runs without changing the product.
        for reader in self.store._readers:
            reader.conn.set_trace_callback(self._statements.append if on else None)

    async def statements_of(self, case: Case, text: str) -> list[str]:
        self._statements.clear()
        await self.run(await self.payload(case, text))
        return list(self._statements)

    def replay(self, statements: Sequence[str]) -> float:
        started = time.perf_counter()
        for sql in statements:
            self.bare.execute(sql).fetchall()
        return (time.perf_counter() - started) * 1000

    def reference_prefix_query(self, kind: str, prefix: str) -> float:
        key = prefix.casefold()
        started = time.perf_counter()
        self.bare.execute(
            "SELECT DISTINCT e.name, e.mentions FROM aliases a JOIN entities e ON e.id = a.entity_id "
            "WHERE e.kind = ? AND a.key >= ? AND a.key < ? ORDER BY e.mentions DESC LIMIT 25",
            (kind, key, key + "\U0010ffff"),
        ).fetchall()
        return (time.perf_counter() - started) * 1000


def _failure(case: Case, text: str, result: Any) -> str | None:
    """Why an answer is not the real one (an error, or no embed/choices where one belongs), else None."""
    if result.errors:
        return f"{text}: {result.errors[0]!r}"
    if case.autocomplete is not None:
        return None if result.choices else f"{case.autocomplete[1]}:{text}: no choices"
    bodies = [r.json for r in result.requests if isinstance(r.json, dict)]
    has_embed = any((b.get("data") or b).get("embeds") for b in bodies)
    return None if has_embed else f"{text}: answered without an embed: {bodies[:1]}"


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread: the loop and the Store's readers
    return usage.ru_utime + usage.ru_stime


async def measure_case(bench: Bench, case: Case) -> None:
    """Capture the SQL, time the bot, time the bare SQL; each phase stops early past PHASE_BUDGET_S."""
    # Untimed: the SQL behind each distinct invocation (this also warms caches for both sides equally).
    await bench.trace(True)
    behind: dict[str, list[str]] = {}
    deadline = time.perf_counter() + PHASE_BUDGET_S
    for text in dict.fromkeys(case.texts):
        if time.perf_counter() > deadline:
            break
        behind[text] = await bench.statements_of(case, text)
    await bench.trace(False)
    wall, busy, own = time.perf_counter(), busy_cpu_seconds(), _own_cpu()
    for text in case.texts:
        if time.perf_counter() > wall + PHASE_BUDGET_S:
            case.stopped = True
            break
        elapsed, result = await bench.run(await bench.payload(case, text))
        case.bot_ms.append(elapsed)
        problem = _failure(case, text, result)
        if problem:
            case.failures.append(problem)
    wall, busy, own = time.perf_counter() - wall, busy_cpu_seconds() - busy, _own_cpu() - own
    case.others = max(0.0, busy - own) / wall
    deadline = time.perf_counter() + PHASE_BUDGET_S
    for text in case.texts[: len(case.bot_ms)]:
        if time.perf_counter() > deadline:
            case.stopped = True
            break
        if behind.get(text):
            case.bare_ms.append(bench.replay(behind[text]))
        if case.autocomplete is not None and case.autocomplete[1] != "article":
            case.reference_ms.append(bench.reference_prefix_query(case.autocomplete[1], text))


async def measure_concurrency(bench: Bench, cases: list[Case]) -> list[Concurrency]:
    lookups = [c for c in cases if c.target == "lookup" and c.autocomplete is None]
    mixed = [(c, c.texts[i % len(c.texts)]) for i in range(CONCURRENT) for c in [lookups[i % len(lookups)]]]
    alone = statistics.median([(await bench.run(await bench.payload(c, t)))[0] for c, t in mixed])
    latencies = await _at_once(bench, mixed)
    out = [Concurrency(f"{CONCURRENT} lookups at once", alone, latencies)]

    heavy = next(c for c in cases if c.label == "/search, the most common word")
    person = next(c for c in cases if c.label == "/person name:")
    searches = [(heavy, heavy.texts[0])] * (CONCURRENT - 1)
    alone_person = statistics.median(
        [(await bench.run(await bench.payload(person, person.texts[0])))[0] for _ in range(20)]
    )
    latencies = await _at_once(bench, [*searches, (person, person.texts[0])])
    out.append(
        Concurrency(
            f"1 /person behind {CONCURRENT - 1} most-common-word searches",
            alone_person,
            latencies[:-1],
            watched_ms=latencies[-1],
        )
    )
    return out


async def _at_once(bench: Bench, work: Sequence[tuple[Case, str]]) -> list[float]:
    payloads = [await bench.payload(case, text) for case, text in work]
    started = time.perf_counter()

    async def one(payload: dict[str, Any]) -> float:
        result = await bench.offline.dispatch(payload)
        answered = max((r.at for r in result.requests), default=time.perf_counter())
        return (answered - started) * 1000

    latencies = list(await asyncio.gather(*(one(p) for p in payloads)))
    await bench.settle()
    return latencies


async def run(
    db_path: Path, invocations: int, seed: int
) -> tuple[list[Case], list[Concurrency], dict[str, str]]:
    from bot import create_bot
    from bot.config import load_settings
    from bot.offline import OfflineDiscord
    from db.store import Store

    bare = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, isolation_level=None)
    cases, facts = build_cases(bare, invocations, seed)
    with tempfile.TemporaryDirectory() as members:
        settings = load_settings(
            {"CLIPPINGS_DB": str(db_path), "CLIPPINGS_USER_DB": str(Path(members) / "members.db")},
            dotenv=False,
        )
        store = await Store.open(settings.db_path, settings.user_db_path)
        try:
            bot = create_bot(settings, store, sync_dev_guild=False)
            async with OfflineDiscord(bot) as offline:
                bench = Bench(offline, store, bare)
                for case in cases:
                    print(f"  {case.label} ...", file=sys.stderr, flush=True)
                    await measure_case(bench, case)
                concurrency = await measure_concurrency(bench, cases)
        finally:
            await store.close()
    bare.close()
    return cases, concurrency, facts


# ---------------------------------------------------------------- report


def _verdict(case: Case) -> str:
    p99 = percentile(case.bot_ms, 0.99)
    if case.target == "lookup":
        return f"< {LOOKUP_P99_MS:.0f} ms: " + ("met" if p99 < LOOKUP_P99_MS else "MISSED")
    if case.target == "search":
        limit = min(SEARCH_FACTOR * percentile(case.bare_ms, 0.99) + SEARCH_SLACK_MS, SEARCH_P99_MS)
        return f"< {limit:.1f} ms: " + ("met" if p99 < limit else "MISSED")
    return ""


def report(cases: list[Case], concurrency: list[Concurrency], facts: dict[str, str], args_line: str) -> str:
    lines = [
        "Query benchmark",
        f"  machine:    {machine()}",
        f"  database:   {facts['articles']} articles; most common words: {facts['most common words']}",
        f"  reproduce:  python -m benchmarks.query_bench {args_line}",
        "",
        f"  {'command':<34} {'n':>6} | {'bot p50':>8} {'p99':>8} | {'bare p50':>8} {'p99':>8} | "
        f"{'target p99':<22} {'failed':>6} {'others':>6}",
    ]
    for c in cases:
        bare50 = f"{statistics.median(c.bare_ms):8.2f}" if c.bare_ms else f"{'memory':>8}"
        bare99 = f"{percentile(c.bare_ms, 0.99):8.2f}" if c.bare_ms else f"{'':>8}"
        n = f"{len(c.bot_ms)}{'*' if c.stopped else ''}"
        lines.append(
            f"  {c.label:<34} {n:>6} | {statistics.median(c.bot_ms):8.2f} "
            f"{percentile(c.bot_ms, 0.99):8.2f} | {bare50} {bare99} | {_verdict(c):<22} {len(c.failures):>6} "
            f"{c.others:>6.2f}"
        )
    lines.append("")
    lines.append(
        "  Times in ms. bare: the same SQL in plain sqlite3; 'memory': no SQL behind it (in-memory index)."
    )
    lines.append(
        "  others: cores used by other processes while the bot was timed (near 0 for clean figures; "
        f"the machine has {os.cpu_count()})."
    )
    if any(c.stopped for c in cases):
        lines.append(f"  *: stopped after {PHASE_BUDGET_S:.0f} s, before all {len(cases[0].texts)} were run")
    references = [c for c in cases if c.reference_ms]
    if references:
        lines.append(
            "  For reference, an indexed SQL prefix query instead of the in-memory index: "
            + ", ".join(
                f"{c.label.split()[-1]} p50 {statistics.median(c.reference_ms):.2f} / p99 "
                f"{percentile(c.reference_ms, 0.99):.2f}"
                for c in references
            )
        )
    failures = [f for c in cases for f in c.failures[:2]]
    if failures:
        lines.append("  Answers that were not the real one (first two per command):")
        lines += [f"    {f[:160]}" for f in failures]
    lines += ["", "Concurrency (ms from dispatching all at once to each answer)"]
    for cc in concurrency:
        lat = sorted(cc.latencies_ms)
        line = (
            f"  {cc.label}: alone p50 {cc.alone_ms:.2f}; together min {lat[0]:.2f}, p50 "
            f"{statistics.median(lat):.2f}, max {lat[-1]:.2f}"
        )
        if cc.watched_ms is not None:
            line += f"; the /person answered after {cc.watched_ms:.2f} (alone {cc.alone_ms:.2f})"
        lines.append(line)
    return "\n".join(lines)


def ensure_db(articles: int, seed: int) -> Path:
    db_path = full_db_path(articles, seed)
    if not db_path.exists():
        from db.ingest.pipeline import run_ingest

        corpus = cached_corpus(articles, seed)
        print(f"ingesting {corpus} into {db_path} ...", file=sys.stderr, flush=True)
        run_ingest(db_path, corpus, max_file_bytes=2_000_000, aliases_path=None)
    return db_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.query_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES)
    parser.add_argument("--invocations", type=int, default=DEFAULT_INVOCATIONS)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--db", type=Path, default=None, help="another knowledge base")
    args = parser.parse_args(argv)
    print(run_and_report(args.articles, args.invocations, args.seed, args.db))
    return 0


def run_and_report(articles: int, invocations: int, seed: int, db_path: Path | None = None) -> str:
    where = f"--db {db_path}" if db_path else f"--articles {articles}"
    db_path = db_path or ensure_db(articles, seed)
    print(f"query benchmark on {db_path} ...", file=sys.stderr, flush=True)
    cases, concurrency, facts = asyncio.run(run(db_path, invocations, seed))
    return report(cases, concurrency, facts, f"{where} --invocations {invocations} --seed {seed}")


if __name__ == "__main__":
    sys.exit(main())
