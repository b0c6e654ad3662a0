"""From the raw facts of every article to the derived tables: entities, quotes, partnerships, events.

Runs inside the ingest's write transaction whenever anything changed. Names are grouped over the whole
corpus (db.ingest.names.group_names); one quotation printed in several articles becomes one quote with
several sources; one partnership stated by several articles becomes one row whose dates are the most
precise the sources give. Rows are streamed from SQLite in grouping order, so memory does not grow with
the corpus. All SQL is in db.store.KnowledgeWriter.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from itertools import groupby
from operator import itemgetter
from typing import TypeVar

from db.ingest.names import QUOTE_PART_MIN, entity_key, fold, group_kind
from db.models import PartnershipStatus
from db.store import KnowledgeWriter, OrgQuoteRow, PartnershipRow, QuoteRow

_STATUS_ORDER: tuple[PartnershipStatus, ...] = ("ended", "active", "announced", "rumoured")

_Row = TypeVar("_Row", QuoteRow, OrgQuoteRow)


def rebuild(writer: KnowledgeWriter, aliases: Mapping[str, str]) -> None:
    """Replace every derived table from the raw facts (inside the caller's transaction)."""
    writer.start_derived()
    # One kind at a time, so that only the names of one kind are in memory.
    companies: set[str] = set()  # the kinds come in order: companies first, then people, then products
    for kind, rows in groupby(writer.name_counts(), key=itemgetter(1)):
        counts = {surface: count for surface, _, count in rows}
        if kind == "company":
            companies = {entity_key(surface, "company") for surface in counts}
        writer.add_names(kind, group_kind(kind, counts, aliases, companies))
        del counts
    writer.assign_entity_ids()
    writer.clear_derived()
    writer.write_entities(_curated(writer.entities(), aliases) if aliases else ())
    writer.write_mentions_and_roles()
    _quotes(writer)
    _org_quotes(writer)
    _partnerships(writer)
    writer.write_events()
    writer.finish_derived()


def _curated(entities: Iterable[tuple[int, str]], aliases: Mapping[str, str]) -> list[tuple[int, str, str]]:
    """The moderators' aliases as alias rows of the entities they name (any kind)."""
    targets = {fold(target) for target in aliases.values()}
    named: dict[str, list[int]] = {}
    for entity_id, name in entities:
        if fold(name) in targets:
            named.setdefault(fold(name), []).append(entity_id)
    return [
        (entity_id, fold(surface), surface)
        for surface, target in aliases.items()
        for entity_id in named.get(fold(target), [])
    ]


def group_quotes(rows: Iterable[_Row]) -> list[list[_Row]]:
    """Rows whose texts are the same quote (same_quote), longest wording first in each group."""
    ordered = sorted(rows, key=lambda r: (-len(r.key), r.published or "9999", r.article_id))
    groups: list[list[_Row]] = []
    wordings = ""  # the key of each group's first row, one per line
    starts: list[int] = []  # where each starts in wordings
    exact: dict[str, int] = {}
    for row in ordered:
        key = row.key
        if not key:
            continue
        index = exact.get(key)
        if index is None and len(key) >= QUOTE_PART_MIN:
            # Longer wordings come first, so a repeat can only be part of an earlier group's wording.
            at = wordings.find(key)
            index = bisect_right(starts, at) - 1 if at >= 0 else None
        if index is None:
            index = len(groups)
            groups.append([])
            starts.append(len(wordings))
            wordings += key + "\n"
        exact.setdefault(key, index)
        groups[index].append(row)
    return groups


def _first_published(rows: Sequence[QuoteRow] | Sequence[OrgQuoteRow]) -> str | None:
    return min((r.published for r in rows if r.published), default=None)


def _quotes(writer: KnowledgeWriter) -> None:
    for person_id, rows in groupby(writer.quote_rows(), key=lambda r: r.person_id):
        for group in group_quotes(rows):
            stated = sorted((r for r in group if r.role), key=lambda r: (r.published or "9999", r.article_id))
            role, org = (stated[0].role, stated[0].org) if stated else (None, group[0].org)
            writer.add_quote(
                person_id,
                group[0].speaker,
                group[0].text,
                role,
                org,
                _first_published(group),
                ((r.article_id, r.paragraph, r.role, r.org) for r in group),
            )


def _org_quotes(writer: KnowledgeWriter) -> None:
    for org_ids, rows in groupby(writer.org_quote_rows(), key=lambda r: r.org_ids):
        ids = [int(x) for x in org_ids.split(",")]
        for group in group_quotes(rows):
            writer.add_org_quote(
                ids, group[0].text, _first_published(group), ((r.article_id, r.paragraph) for r in group)
            )


def earliest(dates: Iterable[str]) -> str | None:
    """The earliest date, as precise as the sources allow: "2016" and "2016-02" give "2016-02"."""
    candidates = sorted(set(dates))
    if not candidates:
        return None
    best = candidates[0]
    while finer := [d for d in candidates if d.startswith(best) and len(d) > len(best)]:
        best = finer[0]
    return best


def latest(dates: Iterable[str]) -> str | None:
    """The latest date; a more precise date sorts after the year or month it refines."""
    return max(dates, default=None)


def merge_status(statuses: Iterable[PartnershipStatus], ended: str | None) -> PartnershipStatus:
    seen = set(statuses)
    if ended:
        return "ended"
    return next((s for s in _STATUS_ORDER if s in seen), "announced")


def _partnerships(writer: KnowledgeWriter) -> None:
    for (a, b), grouped in groupby(writer.partnership_rows(), key=lambda r: (r.company_a, r.company_b)):
        rows: list[PartnershipRow] = list(grouped)
        ended = latest(r.ended for r in rows if r.ended)
        writer.add_partnership(
            a,
            b,
            earliest(r.started for r in rows if r.started),
            ended,
            merge_status((r.status for r in rows), ended),
            list(dict.fromkeys(p for r in rows for p in r.product_ids)),
            dict.fromkeys((r.article_id, r.paragraph) for r in rows),
        )
