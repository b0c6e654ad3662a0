"""Load benchmark: the bot as a process (`clippings run`) under 200 slash commands in 10 seconds, over
the gateway of the Discord stand-in on loopback (tests/discord_standin.py), then the same during a refresh.

    python -m benchmarks.load_bench [--articles 10000] [--seed S] [--db KB] [--commands 200] [--window 10]

The knowledge base is the one the ingest benchmark leaves (benchmarks/out/kb-<N>-...db, built if missing;
`--articles 0`: the bundled corpus, ingested by the bot at start). It is copied into a temporary folder
with a hard-linked copy of its corpus, so the refresh can change the corpus without touching the cache.

Commands are spread evenly over the window (20 a second by default), mixed round-robin across the lookup
commands the bot synced (/partnership, /quote, /person, /company, /article, /timeline, /search), with
names taken from the bot's own autocomplete (what a member would pick). Timed: from the stand-in writing
INTERACTION_CREATE to the websocket to the answer arriving (the callback, or the first edit or follow-up
of a deferred answer). Checked: every command answered, none lost, none answered twice, none after
Discord's 3-second deadline, every request body valid against Discord's OpenAPI spec.

Memory: the bot process's peak resident memory (VmHWM from /proc), and the largest total RSS of the bot
and every process below it (sampled every 0.1 s).

The refresh: 1% of the articles changed and 1% new ones added, then /refresh run by a moderator over the
gateway when the bot has it (CLIPPINGS_ADMIN_GUILD_IDS names the stand-in's server), otherwise
`clippings ingest` on the same database file in a second process (readers against a writer). The
commands start once the refresh is under way; the report says how many were sent while it still ran.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks import PROJECT_ROOT
from benchmarks.generate import DEFAULT_SEED, cached_corpus, generate_article
from benchmarks.ingest_bench import machine
from benchmarks.query_bench import ensure_db, percentile
from tests.discord_standin import BotProcess, DiscordStandIn, InteractionRecord, bot_env

DEFAULT_ARTICLES = 10_000
COMMANDS = 200
WINDOW_S = 10.0
LOOKUPS = ("partnership", "quote", "person", "company", "article", "timeline", "search")
DEADLINE_S = 3.0  # Discord drops an interaction not answered within 3 seconds
START_TIMEOUT_S = 180.0
ANSWER_TIMEOUT_S = 20.0  # after the last command was sent
REFRESH_TIMEOUT_S = 1800.0
CHANGED_SHARE = 0.01
MANAGE_GUILD = 1 << 5
READY = re.compile(r"Ready as .* (\d+) articles")


@dataclass
class Phase:
    label: str
    sent: list[InteractionRecord] = field(default_factory=list)
    during_refresh: int = 0  # commands sent while the refresh was still running
    failures: list[str] = field(default_factory=list)  # what the stand-in saw during the phase
    seconds_to_send: float = 0.0
    peak_hwm_mb: float | None = None
    peak_tree_mb: float = 0.0
    refresh: str = ""  # how the refresh ran and what it reported
    refresh_seconds: float | None = None
    bot_cpu_s: float = 0.0  # CPU time of the bot process while the commands were sent and answered
    machine_cpu_s: float = 0.0  # CPU time of the whole machine meanwhile
    wall_s: float = 0.0

    @property
    def answered(self) -> list[InteractionRecord]:
        return [r for r in self.sent if r.answered_at is not None]

    @property
    def latencies_ms(self) -> list[float]:
        return [r.latency * 1000 for r in self.answered]

    def count(self, needle: str) -> int:
        return sum(needle in f for f in self.failures)

    @property
    def ok(self) -> bool:
        return len(self.answered) == len(self.sent) and not self.failures


def _machine_cpu_s() -> float:
    """Busy CPU time of the whole machine since boot (/proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _process_cpu_s(pid: int) -> float:
    """CPU time of a process and of its children it has reaped (/proc/PID/stat)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


class TreeMemory:
    """Largest total VmRSS of a process and its descendants, sampled from /proc."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self.roots: list[int] = []

    @staticmethod
    def _tree(root: int) -> list[int]:
        found, todo = [root], [root]
        while todo:
            pid = todo.pop()
            try:
                children = [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
            except OSError:
                continue
            found += children
            todo += children
        return found

    @staticmethod
    def _rss_kb(pid: int) -> int:
        try:
            found = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text(), re.M)
        except OSError:
            return 0
        return int(found.group(1)) if found else 0

    def sample(self) -> None:
        total = sum(self._rss_kb(pid) for root in self.roots for pid in self._tree(root))
        self.peak_mb = max(self.peak_mb, total / 1024)

    async def run(self, interval: float = 0.1) -> None:
        while True:
            self.sample()
            await asyncio.sleep(interval)


# ---------------------------------------------------------------- the data


def prepare(workdir: Path, articles: int, seed: int, kb: Path | None) -> Path:
    """A corpus folder (hard links) and a copy of the knowledge base in `workdir`; returns the corpus."""
    corpus = workdir / "corpus"
    if articles == 0 and kb is None:
        shutil.copytree(PROJECT_ROOT / "corpus", corpus)
        return corpus  # the bot ingests it on start
    source_corpus = cached_corpus(articles, seed)
    source_db = kb or ensure_db(articles, seed)
    try:
        shutil.copytree(source_corpus, corpus, copy_function=os.link)
    except OSError:  # another file system: copy instead
        shutil.rmtree(corpus, ignore_errors=True)
        shutil.copytree(source_corpus, corpus)
    with sqlite3.connect(source_db) as src, sqlite3.connect(workdir / "clippings.db") as dst:
        src.backup(dst)
    src.close()
    dst.close()
    return corpus


def change_corpus(corpus: Path, seed: int, share: float = CHANGED_SHARE) -> tuple[int, int]:
    """Changes `share` of the articles (a paragraph appended) and adds as many new ones; returns
    (changed, added)."""
    files = sorted(p for p in corpus.glob("*.txt"))
    count = max(1, int(len(files) * share))
    rng = random.Random(seed)
    for path in rng.sample(files, count):
        text = path.read_text(encoding="utf-8")
        path.unlink()  # a hard link: write a new file, never through the link into the cache
        extra = "\n\nUpdate: the companies confirmed the figures in a statement on Friday.\n"
        path.write_text(text.rstrip("\n") + extra, encoding="utf-8")
    manifest = corpus / "manifest.toml"
    entries = []
    start = 10_000_000 + len(files)  # indexes no cached corpus uses: new texts
    for index in range(start, start + count):
        article = generate_article(seed, index)
        (corpus / article.file).write_text(article.text, encoding="utf-8")
        entries.append(article.manifest_entry())
    if manifest.exists():
        old = manifest.read_text(encoding="utf-8")
        manifest.unlink()
        manifest.write_text(old.rstrip("\n") + "\n\n" + "".join(entries), encoding="utf-8")
    return count, count


# ---------------------------------------------------------------- the commands


async def name_pools(standin: DiscordStandIn) -> list[tuple[str, str | None, list[Any]]]:
    """(command, option, values) for each lookup command the bot synced: values from its autocomplete."""
    pools: list[tuple[str, str | None, list[Any]]] = []
    words: list[str] = []
    for name in LOOKUPS:
        try:
            command = standin.find_command(name)
        except LookupError:
            continue
        options = command.get("options") or []
        option = next((o for o in options if o.get("required")), options[0] if options else None)
        if option is None:
            pools.append((name, None, [None]))
            continue
        if option.get("autocomplete"):
            payload = standin.command_payload(name, {option["name"]: ""}, focused=option["name"])
            record = await standin.dispatch_interaction(payload, timeout=10)
            values = [c["value"] for c in record.choices]
            words += [w for c in record.choices for w in str(c["name"]).split() if len(w) > 3]
            pools.append((name, option["name"], values))
        elif option.get("choices"):
            pools.append((name, option["name"], [c["value"] for c in option["choices"]]))
        else:
            pools.append((name, option["name"], []))  # free text (a search): filled from the names below
    fallback = words or ["partnership"]
    filled = [(n, o, v or fallback) for n, o, v in pools]
    if not filled or any(not v for _, _, v in filled):
        raise RuntimeError(
            f"no lookup commands to run; the bot synced: {sorted(c['name'] for c in commands(standin))}"
        )
    return filled


def commands(standin: DiscordStandIn) -> list[dict[str, Any]]:
    return [c for cmds in standin.commands.values() for c in cmds]


def payloads(
    standin: DiscordStandIn, pools: list[tuple[str, str | None, list[Any]]], n: int, seed: int
) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        name, option, values = pools[i % len(pools)]
        options = {option: rng.choice(values)} if option is not None else {}
        # A new member each time: a real crowd, not one user hitting the per-user cooldowns.
        yield standin.command_payload(name, options, user_id=9_000_000_000_000_000 + i)


async def fire(
    standin: DiscordStandIn,
    bot_pid: int,
    phase: Phase,
    pools: list[tuple[str, str | None, list[Any]]],
    n: int,
    window: float,
    seed: int,
    refresh_running: Callable[[], bool] | None = None,
) -> None:
    """Sends `n` commands evenly over `window` seconds, then waits (bounded) for every answer."""
    started = time.monotonic()
    cpu_before, machine_before = _process_cpu_s(bot_pid), _machine_cpu_s()
    for i, payload in enumerate(payloads(standin, pools, n, seed)):
        delay = started + i * window / n - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        phase.sent.append(await standin.send_interaction(payload))
        if refresh_running is not None and refresh_running():
            phase.during_refresh += 1
    phase.seconds_to_send = time.monotonic() - started
    pending = [asyncio.create_task(r.done.wait()) for r in phase.sent]
    await asyncio.wait(pending, timeout=ANSWER_TIMEOUT_S)
    for task in pending:
        task.cancel()
    phase.wall_s = time.monotonic() - started
    phase.bot_cpu_s = _process_cpu_s(bot_pid) - cpu_before
    phase.machine_cpu_s = _machine_cpu_s() - machine_before


# ---------------------------------------------------------------- the run


async def run(articles: int, seed: int, kb: Path | None, n: int, window: float) -> tuple[list[Phase], str]:
    workdir = Path(tempfile.mkdtemp(prefix="clippings-load-"))
    memory = TreeMemory()
    sampler: asyncio.Task[None] | None = None
    bot: BotProcess | None = None
    try:
        corpus = prepare(workdir, articles, seed, kb)
        async with DiscordStandIn() as standin:
            env = bot_env(
                standin,
                workdir,
                CLIPPINGS_CORPUS=str(corpus),
                CLIPPINGS_ADMIN_GUILD_IDS=str(standin.guild_id),
                CLIPPINGS_LOG_LEVEL="INFO",
            )
            bot = BotProcess(env, workdir)
            started = time.monotonic()
            await bot.start()
            memory.roots = [bot.pid]
            sampler = asyncio.create_task(memory.run())
            ready = await bot.wait_line(READY, START_TIMEOUT_S)
            size = int(READY.search(ready).group(1))  # type: ignore[union-attr]
            facts = f"{size:,} articles; the bot was ready {time.monotonic() - started:.1f} s after start"
            pools = await name_pools(standin)
            standin.assert_clean()

            idle = Phase("idle")
            await fire(standin, bot.pid, idle, pools, n, window, seed)
            idle.failures = list(standin.failures)
            idle.peak_hwm_mb, idle.peak_tree_mb = bot.peak_memory_mb(), memory.peak_mb

            busy = Phase("during a refresh")
            changed, added = change_corpus(corpus, seed)
            mark = len(standin.failures)
            done = await start_refresh(standin, env, workdir, memory, busy)
            await fire(
                standin, bot.pid, busy, pools, n, window, seed + 1, refresh_running=lambda: not done.is_set()
            )
            try:
                await asyncio.wait_for(done.wait(), REFRESH_TIMEOUT_S)
            except TimeoutError:
                busy.refresh += f"; still running after {REFRESH_TIMEOUT_S:.0f} s"
            busy.refresh += f" ({changed} articles changed, {added} added)"
            busy.failures = standin.failures[mark:]
            busy.peak_hwm_mb, busy.peak_tree_mb = bot.peak_memory_mb(), memory.peak_mb

            assert bot.proc is not None
            bot.proc.send_signal(signal.SIGTERM)
            code = await bot.wait_exit(10)
            facts += f"; exit status {code} after SIGTERM"
        return [idle, busy], facts
    finally:
        if sampler is not None:
            sampler.cancel()
        if bot is not None:
            await bot.kill()
        shutil.rmtree(workdir, ignore_errors=True)


async def start_refresh(
    standin: DiscordStandIn, env: dict[str, str], workdir: Path, memory: TreeMemory, phase: Phase
) -> asyncio.Event:
    """Starts the refresh and returns once it is under way; the event is set when it has finished."""
    done = asyncio.Event()
    started = time.monotonic()

    def finished(summary: str) -> None:
        phase.refresh = summary
        phase.refresh_seconds = time.monotonic() - started
        done.set()

    try:
        standin.find_command("refresh")
    except LookupError:
        ingest = BotProcess(env, workdir, "ingest")
        await ingest.start()
        memory.roots.append(ingest.pid)

        async def wait_ingest() -> None:
            code = await ingest.wait_exit(REFRESH_TIMEOUT_S)
            summary = next((line for line in ingest.stdout if line.strip().startswith("added")), "")
            finished(f"`clippings ingest` in a second process, exit status {code}: {summary.strip()}")

        asyncio.create_task(wait_ingest())  # noqa: RUF006 - awaited through `done`
        await asyncio.sleep(1.0)  # past start-up: scanning and extracting
        return done

    moderator = standin.command_payload("refresh", {}, user_id=standin.owner_id, permissions=MANAGE_GUILD)
    record = await standin.send_interaction(moderator)
    await standin.wait_for(lambda: bool(record.callbacks), 10, "/refresh to be acknowledged")

    async def wait_summary() -> None:
        # The deferred answer is edited with progress, then with the summary embed.
        await standin.wait_for(
            lambda: any(e.get("embeds") for e in record.edits), REFRESH_TIMEOUT_S, "the summary"
        )
        final = next(e for e in record.edits if e.get("embeds"))["embeds"][0]
        finished(f"/refresh over the gateway: {final.get('title', '')}: {final.get('description', '')}")

    asyncio.create_task(wait_summary())  # noqa: RUF006 - awaited through `done`
    await asyncio.sleep(0.5)
    return done


# ---------------------------------------------------------------- the report


def report(phases: list[Phase], facts: str, args_line: str, n: int, window: float) -> str:
    lines = [
        "Load benchmark (the bot process over the gateway of the loopback Discord stand-in)",
        f"  machine:    {machine()}",
        f"  knowledge:  {facts}",
        f"  load:       {n} slash commands in {window:g} s ({n / window:.0f}/s), round-robin over "
        + ", ".join("/" + c for c in LOOKUPS),
        f"  reproduce:  python -m benchmarks.load_bench {args_line}",
        "",
        f"  {'':<18} | {'sent':>5} {'answered':>8} {'lost':>5} {'twice':>5} {'late':>5} {'invalid':>7} | "
        f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} | {'VmHWM MB':>8} {'tree MB':>8}",
    ]
    for p in phases:
        lat = p.latencies_ms or [float("nan")]
        twice, late = p.count("answered twice"), p.count("answered after")
        invalid = len(p.failures) - twice - late
        lines.append(
            f"  {p.label:<18} | {len(p.sent):>5} {len(p.answered):>8} {len(p.sent) - len(p.answered):>5} "
            f"{twice:>5} {late:>5} {invalid:>7} | {percentile(lat, 0.5):>7.1f} {percentile(lat, 0.99):>7.1f} "
            f"{max(lat):>7.1f} | {p.peak_hwm_mb or 0:>8.0f} {p.peak_tree_mb:>8.0f}"
        )
    for p in phases:
        if p.refresh:
            took = f"{p.refresh_seconds:.1f} s" if p.refresh_seconds is not None else "did not finish"
            lines.append(f"  refresh: {p.refresh}")
            lines.append(
                f"  refresh took {took}; {p.during_refresh} of {len(p.sent)} commands sent while it ran"
            )
        for failure in p.failures[:10]:
            lines.append(f"  {p.label}: {failure}")
        by_command: dict[str, list[float]] = {}
        for r in p.answered:
            by_command.setdefault(str(r.payload["data"]["name"]), []).append(r.latency * 1000)
        lines.append(
            f"  {p.label}: p50/p99 ms by command: "
            + ", ".join(
                f"/{c} {percentile(v, 0.5):.0f}/{percentile(v, 0.99):.0f}" for c, v in by_command.items()
            )
        )
        answers = statistics.mean(1 if r.embeds else 0 for r in p.answered) if p.answered else 0
        lines.append(
            f"  {p.label}: {answers:.0%} of the answers carry an embed; sent in {p.seconds_to_send:.1f} s"
        )
        cores = os.cpu_count() or 1
        lines.append(
            f"  {p.label}: CPU over {p.wall_s:.1f} s: the bot {p.bot_cpu_s:.1f} s, the whole machine "
            f"{p.machine_cpu_s:.1f} s of {p.wall_s * cores:.1f} s available ({cores} cores)"
        )
    lines += ["", "Targets"]
    for p in phases:
        verdict = "met" if p.ok else "MISSED"
        lines.append(
            f"  {p.label}: every command answered once, within Discord's {DEADLINE_S:.0f} s, "
            f"with a valid body: {verdict}"
        )
    return "\n".join(lines)


def run_and_report(
    articles: int = DEFAULT_ARTICLES,
    seed: int = DEFAULT_SEED,
    db_path: Path | None = None,
    n: int = COMMANDS,
    window: float = WINDOW_S,
) -> str:
    where = f"--db {db_path}" if db_path else f"--articles {articles}"
    print(f"load benchmark ({where}) ...", file=sys.stderr, flush=True)
    phases, facts = asyncio.run(run(articles, seed, db_path, n, window))
    return report(phases, facts, f"{where} --seed {seed} --commands {n} --window {window:g}", n, window)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.load_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES, help="0: the bundled corpus")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--db", type=Path, default=None, help="a built knowledge base of that corpus")
    parser.add_argument("--commands", type=int, default=COMMANDS)
    parser.add_argument("--window", type=float, default=WINDOW_S, help="seconds to send them in")
    args = parser.parse_args(argv)
    print(run_and_report(args.articles, args.seed, args.db, args.commands, args.window))
    return 0


if __name__ == "__main__":
    sys.exit(main())
