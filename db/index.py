"""In-memory name indexes behind Store.resolve/complete: dictionaries and sorted lists, no SQL.

Built from the knowledge base when the Store opens and after each ingest (Store.reload), then only read,
so lookups and autocomplete take microseconds and never wait for the database.

Once built, they hold their data in dicts, tuples, strings and numbers (no per-row objects, no lists):
the garbage collector stops tracking such objects, so a large knowledge base does not make its
collections walk millions of them (at 100,000 articles, full collections over per-row objects paused
every command for up to a second).
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from db.ingest.names import company_key, fold, person_key
from db.models import EntityKind, EntityRef, Resolution

K = TypeVar("K")
V = TypeVar("V")

MAX_SUGGESTIONS = 3
_MAX_QUERY = 200  # longer input is no name
_PREFIX_SCAN = 400  # sorted entries looked at per autocomplete call
_FUZZY_SCORE = 60.0
_TITLE_SCAN = 5_000  # title-word postings looked at per article autocomplete call
_PUNCT = ".,;:!?()[]'\"«»“”‘’-–—"


@dataclass(frozen=True)
class EntityRow:
    id: int
    kind: EntityKind
    name: str
    mentions: int
    aliases: tuple[str, ...]  # surface names as written, the name itself included


def _typos_allowed(query: str) -> int:
    """How many edits still count as the same name: none for very short names, then one, then two."""
    return 0 if len(query) <= 3 else 1 if len(query) <= 5 else 2


def _key_of(kind: EntityKind, name: str) -> str:
    if kind == "company":
        return company_key(name)
    if kind == "person":
        return person_key(name)
    return fold(name)


class NameIndex:
    """Every entity of one kind, findable by folded name, alias, a word of it, or a near spelling."""

    def __init__(self, kind: EntityKind, rows: Iterable[EntityRow]) -> None:
        self.kind = kind
        self._names: dict[int, str] = {}
        mentions: dict[int, int] = {}
        exact: dict[str, set[int]] = defaultdict(set)
        words: dict[str, set[int]] = defaultdict(set)
        keys_of: dict[int, list[str]] = defaultdict(list)
        prefix_entries: set[tuple[str, int, bool]] = set()
        for row in rows:
            self._names[row.id] = row.name
            mentions[row.id] = row.mentions
            for surface in {row.name, *row.aliases}:
                for key in {fold(surface), _key_of(kind, surface)}:
                    if not key:
                        continue
                    exact[key].add(row.id)
                    keys_of[row.id].append(key)
                    tokens = key.split()
                    for i, token in enumerate(tokens):
                        words[token].add(row.id)
                        prefix_entries.add((" ".join(tokens[i:]), row.id, i == 0))
        self._prefix = tuple(sorted(prefix_entries))
        self._prefix_keys = tuple(key for key, _, _ in self._prefix)
        self._by_mentions = tuple(sorted(self._names, key=lambda i: (-mentions[i], self._names[i])))
        self._rank = {entity_id: n for n, entity_id in enumerate(self._by_mentions)}
        self._exact = _tuples(exact)
        self._words = _tuples(words)
        self._keys_of = _tuples(keys_of)
        # Strings a typo can be measured against: whole keys and the words in them.
        choices: dict[str, set[int]] = defaultdict(set)
        for key, ids in exact.items():
            choices[key] |= ids
        for word, ids in words.items():
            if len(word) >= 3:
                choices[word] |= ids
        self._choice_text = tuple(choices)
        self._choice_ids = tuple(tuple(choices[c]) for c in self._choice_text)

    def __len__(self) -> int:
        return len(self._names)

    def name(self, entity_id: int) -> str | None:
        return self._names.get(entity_id)

    def _ref(self, entity_id: int) -> EntityRef:
        return EntityRef(entity_id, self._names[entity_id], self.kind)

    def _best(self, ids: Iterable[int]) -> list[int]:
        """Most mentioned first (then by name)."""
        return sorted(ids, key=self._rank.__getitem__)

    def _top_names(self, ids: Iterable[int]) -> tuple[str, ...]:
        return tuple(self._names[i] for i in self._best(ids)[:MAX_SUGGESTIONS])

    def resolve(self, text: str) -> Resolution:
        """Exact folded name or alias, then a word run (surname, short name), then one or two typos.

        Several candidates at the first step that finds any: the most mentioned wins for an exact name
        (aliases can collide), otherwise they become suggestions. Nothing found: the closest names.
        """
        query = fold(text)[:_MAX_QUERY]
        if not query or not self._names:
            return Resolution(None)
        for key in (query, _key_of(self.kind, text)):
            exact = self._exact.get(key)
            if exact:
                return Resolution(self._ref(self._best(exact)[0]))
        words = self._word_run(query)
        if len(words) == 1:
            return Resolution(self._ref(next(iter(words))))
        if words:
            return Resolution(None, self._top_names(words))
        near = self._near(query)
        if len(near) == 1:
            return Resolution(self._ref(next(iter(near))))
        if near:
            return Resolution(None, self._top_names(near))
        return Resolution(None, self.suggest(query))

    def _word_run(self, query: str) -> set[int]:
        """Entities with a name in which the query's words stand together ("brennholt", "systems ag")."""
        tokens = [t.strip(".,;:!?()'\"") for t in query.split()]
        tokens = [t for t in tokens if t]
        if not tokens:
            return set()
        candidates = set(self._words.get(tokens[0], ()))
        for token in tokens[1:]:
            candidates.intersection_update(self._words.get(token, ()))
        if len(tokens) == 1:
            return candidates
        run = f" {' '.join(tokens)} "
        return {i for i in candidates if any(run in f" {key} " for key in self._keys_of[i])}

    def _near(self, query: str) -> set[int]:
        limit = _typos_allowed(query)
        if limit == 0:
            return set()
        hits = process.extract(
            query, self._choice_text, scorer=Levenshtein.distance, score_cutoff=limit, limit=None
        )
        if not hits:
            return set()
        best = min(distance for _, distance, _ in hits)
        return {i for _, distance, pos in hits if distance == best for i in self._choice_ids[pos]}

    def suggest(self, text: str) -> tuple[str, ...]:
        """Up to three names that look like `text`, closest first."""
        query = fold(text)[:_MAX_QUERY]
        if not query:
            return ()
        hits = process.extract(
            query, self._choice_text, scorer=fuzz.QRatio, processor=None, score_cutoff=_FUZZY_SCORE, limit=20
        )
        seen: list[int] = []
        for _, _, pos in hits:
            for entity_id in self._best(self._choice_ids[pos]):
                if entity_id not in seen:
                    seen.append(entity_id)
        return tuple(self._names[i] for i in seen[:MAX_SUGGESTIONS])

    def complete(self, prefix: str, limit: int = 25) -> list[str]:
        """Names whose name, alias or a later word starts with `prefix`; "" gives the most mentioned."""
        limit = max(0, min(limit, 25))
        query = fold(prefix)[:_MAX_QUERY]
        if not query:
            return [self._names[i] for i in self._by_mentions[:limit]]
        start = bisect_left(self._prefix_keys, query)
        whole: set[int] = set()
        word: set[int] = set()
        for key, entity_id, at_start in self._prefix[start : start + _PREFIX_SCAN]:
            if not key.startswith(query):
                break
            (whole if at_start else word).add(entity_id)
        ranked = self._best(whole) + self._best(word - whole)
        return [self._names[i] for i in ranked[:limit]]


@dataclass(frozen=True)
class ArticleRow:
    id: int
    title: str
    file: str
    published: str | None


CHOICE_NAME_MAX = 100  # Discord's limit for an autocomplete choice name


def article_label(title: str, published: str | None) -> str:
    """ "Title · 2016-02-25", cut to fit an autocomplete choice."""
    suffix = f" · {published}" if published else ""
    room = CHOICE_NAME_MAX - len(suffix)
    cut = title if len(title) <= room else title[: room - 1].rstrip() + "…"
    return cut + suffix


class ArticleIndex:
    """Articles by id, file name, title and the words of the title, for /article autocomplete."""

    def __init__(self, rows: Iterable[ArticleRow]) -> None:
        self._rows: dict[int, tuple[str, str | None]] = {}  # id -> (title, published)
        self._padded: dict[int, str] = {}
        by_file: dict[str, int] = {}
        by_title: dict[str, list[int]] = defaultdict(list)
        words: dict[str, array[int]] = defaultdict(lambda: array("q"))
        for row in rows:
            self._rows[row.id] = (row.title, row.published)
            by_file[fold(row.file)] = row.id
            title = fold(row.title)
            by_title[title].append(row.id)
            tokens = [t.strip(_PUNCT) for t in title.split()]
            self._padded[row.id] = f" {' '.join(t for t in tokens if t)} "
            for token in set(tokens):
                if token:
                    words[token].append(row.id)
        self._by_file = by_file
        self._by_title = _tuples(by_title)
        self._words = tuple(sorted(words))
        self._word_ids = tuple(words[w] for w in self._words)
        self._files = tuple(sorted(by_file))
        self._newest = tuple(sorted(self._rows, key=self._age, reverse=True))
        self._titles = tuple(self._by_title)

    def _age(self, article_id: int) -> tuple[str, int]:
        return self._rows[article_id][1] or "", article_id

    def __len__(self) -> int:
        return len(self._rows)

    def label(self, article_id: int) -> str | None:
        row = self._rows.get(article_id)
        return article_label(*row) if row else None

    def resolve(self, text: str) -> tuple[int | None, tuple[str, ...]]:
        """An id ("12", "#12"), a file name (with or without .txt), a title, or a title's label."""
        raw = text.strip()
        if not raw:
            return None, ()
        digits = raw.removeprefix("#")
        if digits.isdigit() and int(digits) in self._rows:
            return int(digits), ()
        query = fold(raw)[:300]
        for key in (query, f"{query}.txt"):
            if key in self._by_file:
                return self._by_file[key], ()
        titled = self._by_title.get(query) or self._by_title.get(query.rsplit(" · ", 1)[0].rstrip("…"))
        if titled:
            return titled[0], ()
        hits = process.extract(
            query, self._titles, scorer=fuzz.QRatio, processor=None, score_cutoff=_FUZZY_SCORE, limit=3
        )
        return None, tuple(self._rows[self._by_title[title][0]][0] for title, _, _ in hits)

    def complete(self, prefix: str, limit: int = 25) -> list[tuple[str, str]]:
        """(label, id) pairs: an id, then file names, then titles with a word starting with `prefix`."""
        limit = max(0, min(limit, 25))
        query = fold(prefix)
        ids: list[int] = []
        if not query:
            ids = list(self._newest[:limit])
        else:
            digits = query.removeprefix("#")
            if digits.isdigit() and int(digits) in self._rows:
                ids.append(int(digits))
            ids.extend(self._by_file[f] for f in _prefixed(self._files, query, limit))
            words = query.split()
            if words:
                ids.extend(self._title_matches(words, limit * 4))
        out: list[tuple[str, str]] = []
        seen: set[int] = set()
        for article_id in ids:
            if article_id not in seen and len(out) < limit:
                seen.add(article_id)
                out.append((article_label(*self._rows[article_id]), str(article_id)))
        return out

    def _title_matches(self, words: list[str], cap: int) -> list[int]:
        """Recent articles whose title has every word, the last one as a prefix (bounded work)."""
        *full, last = words
        needles = [f" {w} " for w in full]
        found: list[int] = []
        scanned = 0
        start = bisect_left(self._words, last)
        for i in range(start, min(start + _PREFIX_SCAN, len(self._words))):
            if not self._words[i].startswith(last) or len(found) >= cap or scanned >= _TITLE_SCAN:
                break
            for article_id in reversed(self._word_ids[i]):
                scanned += 1
                if all(n in self._padded[article_id] for n in needles):
                    found.append(article_id)
                if len(found) >= cap or scanned >= _TITLE_SCAN:
                    break
        return sorted(set(found), key=self._age, reverse=True)


def _tuples(groups: Mapping[K, Iterable[V]]) -> dict[K, tuple[V, ...]]:
    """Each group as a tuple: the garbage collector stops tracking tuples of strings and numbers."""
    return {key: tuple(values) for key, values in groups.items()}


def _prefixed(keys: Sequence[str], prefix: str, limit: int) -> Iterator[str]:
    start = bisect_left(keys, prefix)
    for key in keys[start : start + limit]:
        if not key.startswith(prefix):
            return
        yield key
