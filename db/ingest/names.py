"""Name folding and grouping: which surface names in the corpus mean the same entity.

Only general rules: case and accents, quote marks, legal suffixes, a company name seen alone that starts a
longer one, a person's surname alone, honorifics. A moderator's `aliases` mapping wins over the rules.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping
from functools import lru_cache

from db.models import EntityKind

_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u200a": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u200b": "",
        "\u200c": "",
        "\u200d": "",
        "\ufeff": "",
        "\u00ad": "",
    }
)

LEGAL_SUFFIXES = frozenset(
    (
        "ag", "inc", "incorporated", "ltd", "limited", "gmbh", "corp", "corporation", "co", "company", "plc",
        "sa", "llc", "group", "holdings", "holding", "nv", "bv", "se", "kg", "kgaa", "spa", "oy", "ab", "asa",
        "pty", "lp", "llp", "sarl", "sas", "kk", "bhd", "pte"
    )
)
# Words that name a division of a company: "X Consumer Business Group (BG)" and "X Consumer BG" are X.
DIVISION_WORDS = frozenset(["consumer", "business", "bg", "bu", "division", "unit", "segment", "group"])
HONORIFICS = frozenset(
    (
        "dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame", "lord", "lady", "rev",
        "fr", "sen", "rep", "gov", "gen", "col", "capt", "maj", "lt", "sgt", "president", "judge", "justice"
    )
)
_TOKEN_EDGE = ".,;:!?()[]{}'\"-–—"
_TRAILING_PAREN = re.compile(r"\s*\([^()]*\)\s*$")
_POSSESSIVE = re.compile(r"'s?$")
_QUOTE_KEY_DROP = re.compile(r"[\"'\[\]]")
_EDGE_PUNCT = " .,;:!?-–—…"
# Per function: a corpus has more names than this, but the ones that recur stay; memory stays flat.
_CACHE_SIZE = 16384
_NAME_LENGTH = 80  # longer texts are not names
QUOTE_PART_MIN = 20  # a shorter quotation (its quote_key) is never taken for a part of a longer one


def fold(text: str) -> str:
    """Casefold, strip accents, normalise quote marks and spaces."""
    # Names recur and are cached; longer texts (quotations, titles) have a smaller cache of their own, so
    # that they never crowd the names out.
    return _fold_name(text) if len(text) <= _NAME_LENGTH else _fold_text(text)


def _fold(text: str) -> str:
    text = text.translate(_CHAR_MAP)
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(text.casefold().split())


_fold_name = lru_cache(maxsize=_CACHE_SIZE)(_fold)
_fold_text = lru_cache(maxsize=4096)(_fold)


def _tokens(folded: str) -> list[str]:
    out = []
    for raw in folded.split():
        tok = raw.strip(_TOKEN_EDGE)
        if tok:
            out.append(tok)
    return out


@lru_cache(maxsize=_CACHE_SIZE)
def company_key(name: str) -> str:
    """The comparable form of a company name: folded, without "the", "@", legal suffix or "(ABBR)"."""
    text = fold(name).lstrip("@")
    text = _TRAILING_PAREN.sub("", text)
    text = _POSSESSIVE.sub("", text)
    tokens = _tokens(text)
    if tokens and tokens[0] == "the" and len(tokens) > 1:
        tokens = tokens[1:]
    while len(tokens) > 1 and (tokens[-1] in LEGAL_SUFFIXES or tokens[-1] in {"&", "and"}):
        tokens.pop()
    return " ".join(tokens) or fold(name)


@lru_cache(maxsize=_CACHE_SIZE)
def person_key(name: str) -> str:
    """The comparable form of a person's name: folded, without honorifics or a possessive."""
    tokens = _tokens(_POSSESSIVE.sub("", fold(name)))
    while len(tokens) > 1 and tokens[0] in HONORIFICS:
        tokens = tokens[1:]
    if len(tokens) > 2:
        # Middle initials: "John F. Smith" is "John Smith".
        tokens = [tokens[0], *(t for t in tokens[1:-1] if len(t) > 1), tokens[-1]]
    return " ".join(tokens)


@lru_cache(maxsize=4096)
def quote_key(text: str) -> str:
    """The comparable form of a quotation: folded, without quote marks or punctuation at the ends."""
    text = _QUOTE_KEY_DROP.sub("", fold(text))
    return " ".join(text.split()).strip(_EDGE_PUNCT)  # fold() left single spaces, but around dropped marks


def same_quote(a: str, b: str) -> bool:
    """True when two quotations are the same words, or one is a part of the other."""
    ka, kb = quote_key(a), quote_key(b)
    if not ka or not kb:
        return False
    if ka == kb:
        return True
    short, long_ = (ka, kb) if len(ka) <= len(kb) else (kb, ka)
    return len(short) >= QUOTE_PART_MIN and short in long_


@lru_cache(maxsize=_CACHE_SIZE)
def _product_key(name: str) -> str:
    tokens = _tokens(fold(name))
    while len(tokens) > 1 and tokens[-1] in {"series", "range", "lineup", "line", "family"}:
        tokens.pop()
    return " ".join(tokens)


@lru_cache(maxsize=_CACHE_SIZE)
def _company_root(name: str) -> str:
    tokens = company_key(name).split()
    while len(tokens) > 1 and tokens[-1] in DIVISION_WORDS:
        tokens.pop()
    return " ".join(tokens)


class _UnionFind:
    """Groups of keys. Only the keys joined to another are stored: a corpus has many names, few merges."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        root = x
        while (up := self.parent.get(root)) is not None:
            root = up
        while x != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Deterministic: the shorter (then smaller) key is the root, whatever the order of the unions.
            if (len(rb), rb) < (len(ra), ra):
                ra, rb = rb, ra
            self.parent[rb] = ra


def _group_companies(keys: set[str], uf: _UnionFind) -> None:
    by_len = sorted(keys, key=lambda k: (k.count(" "), k))
    single_last: dict[str, list[str]] = defaultdict(list)
    starts_others: set[str] = set()  # first words of the longer names
    for key in by_len:
        tokens = key.split(" ")
        for n in range(1, len(tokens)):
            prefix = " ".join(tokens[:n])
            if prefix in keys:
                uf.union(prefix, key)
                break
        if len(tokens) > 1:
            single_last[tokens[-1]].append(key)
            starts_others.add(tokens[0])
    # "Quist" alone is the one company whose name ends with it ("Carl Quist"), unless it starts others.
    for key in by_len:
        if " " in key:
            break  # sorted by the number of words: the single words come first
        owners = single_last.get(key, [])
        if len(owners) == 1 and uf.find(key) == key and key not in starts_others:
            uf.union(key, owners[0])


def _group_people(keys: set[str], uf: _UnionFind) -> None:
    by_last: dict[str, list[str]] = defaultdict(list)
    by_first: dict[str, list[str]] = defaultdict(list)
    for k in sorted(keys):
        if " " in k:
            tokens = k.split(" ")
            by_last[tokens[-1]].append(k)
            by_first[tokens[0]].append(k)
    for k in keys:
        if " " not in k:
            owners = by_last.get(k) or by_first.get(k) or []
            if len(owners) == 1:
                uf.union(owners[0], k)


def _group_products(keys: set[str], uf: _UnionFind, companies: Collection[str] = ()) -> None:
    # "<Maker> CM1" and "<Series> CM1": the same model under its maker's name and under its series' name,
    # when exactly one of each names it. Only a model with letters and digits: a bare number ("12") is
    # shared by many product lines.
    series: dict[str, str | None] = {}
    for k in keys:
        first, space, model = k.partition(" ")
        if space and first not in companies and _is_model_code(model):
            series[model] = None if model in series else k
    makers: dict[str, str | None] = {}
    for k in keys:
        first, space, model = k.partition(" ")
        if space and first in companies and series.get(model):
            makers[model] = None if model in makers else k
    for model, maker in makers.items():
        if maker is not None:
            uf.union(maker, str(series[model]))
    # A name is the one longer name without its first word ("X5" and "Acme X5"), or the one product the
    # rule above made of its longer names.
    owners: dict[str, set[str]] = defaultdict(set)
    for k in keys:
        _, space, tail = k.partition(" ")
        if space and tail in keys:
            owners[tail].add(uf.find(k))
    for tail, roots in owners.items():
        if len(roots) == 1:
            uf.union(roots.pop(), tail)


def _is_model_code(words: str) -> bool:
    return any(c.isdigit() for c in words) and any(c.isalpha() for c in words)


def _is_all_caps(surface: str) -> bool:
    letters = [c for c in surface if c.isalpha()]
    return len(letters) > 1 and all(c.isupper() for c in letters)


def _display(surfaces: Mapping[str, int], kind: EntityKind, companies: Collection[str]) -> str:
    if len(surfaces) == 1:
        return next(iter(surfaces))
    folded = [fold(s) for s in surfaces]

    def rank(item: tuple[str, int]) -> tuple[int, int, int, int, int, str]:
        surface, count = item
        # A partial name: a person's single name, or the tail of a longer company name.
        if kind == "person":
            partial = " " not in surface.strip()
        else:
            tail = " " + fold(surface)
            partial = any(f.endswith(tail) for f in folded)
        # A product under its maker's name when it also has a series' name ("Maker CM1", "Series CM1").
        by_maker = kind == "product" and _product_key(surface).partition(" ")[0] in companies
        odd = _is_all_caps(surface) or surface.startswith("@")
        return (int(partial), int(by_maker), int(odd), -count, len(surface), surface)

    return min(surfaces.items(), key=rank)[0]


_KEYS = {"company": _company_root, "person": person_key, "product": _product_key}


def entity_key(name: str, kind: EntityKind) -> str:
    """The comparable key of a name of the given kind (before grouping)."""
    return _KEYS[kind](name)


def group_names(
    names: Iterable[tuple[str, EntityKind, int]], aliases: Mapping[str, str] | None = None
) -> dict[tuple[str, EntityKind], str]:
    """Map each (surface name, kind) to its canonical display name.

    `names` gives every surface name in the corpus with its kind and how often it occurs. The canonical
    name is the most frequent surface of the group that is not all capitals (for people: a full name);
    ties go to the shorter. A surface in `aliases` (surface -> canonical) gets that canonical name whatever
    the rules say, and a group that contains the canonical name of an alias is shown under it.
    """
    counts: dict[EntityKind, dict[str, int]] = defaultdict(dict)
    for surface, kind, count in names:
        surface = " ".join(surface.split())
        if surface:
            of_kind = counts[kind]
            of_kind[surface] = of_kind.get(surface, 0) + max(count, 0)
    companies = {_company_root(surface) for surface in counts.get("company", ())}
    return {
        (surface, kind): display
        for kind in sorted(counts)
        for surface, display in group_kind(kind, counts[kind], aliases, companies)
    }


def group_kind(
    kind: EntityKind,
    counts: Mapping[str, int],
    aliases: Mapping[str, str] | None = None,
    companies: Collection[str] = (),
) -> Iterator[tuple[str, str]]:
    """group_names for the names of one kind (surface -> how often, surfaces already normalised):
    (surface, canonical name) pairs, so that a caller can handle a large corpus one kind at a time.
    `companies` holds the company keys (entity_key) of the corpus, which products are grouped by."""
    folded_aliases = {fold(k): v.strip() for k, v in (aliases or {}).items() if v.strip()}
    alias_targets = {fold(v): v for v in folded_aliases.values()}
    key_of: dict[str, str] = {}
    for surface in counts:
        folded = fold(surface)
        if folded in folded_aliases:
            yield surface, folded_aliases[folded]
        else:
            key_of[surface] = _KEYS[kind](surface) or folded
    uf = _UnionFind()
    keys = set(key_of.values())
    if kind == "company":
        _group_companies(keys, uf)
    elif kind == "person":
        _group_people(keys, uf)
    else:
        _group_products(keys, uf, companies)
    del keys
    members: dict[str, list[str]] = defaultdict(list)
    for surface, key in key_of.items():
        members[uf.find(key)].append(surface)
    del key_of, uf
    for group in members.values():
        display = group[0] if len(group) == 1 else _display({s: counts[s] for s in group}, kind, companies)
        for s in sorted(group) if alias_targets else ():
            if fold(s) in alias_targets:
                display = alias_targets[fold(s)]
                break
        for s in group:
            yield s, display
