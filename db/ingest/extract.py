"""Facts from one cleaned article: quotes, organisation quotes, roles, mentions, partnerships, events.

Pure and deterministic: text in, dataclasses out. Every rule is a general pattern of news writing
(attribution verbs, role appositions, company descriptors, partnership cue words, dates); no entity names
are built in. Paragraph indexes refer to `article.paragraphs`.

Speed matters (thousands of articles per second): each paragraph is scanned once for sentence bounds and
capitalised runs; everything else looks at the few places a cheap test (a quote mark, a digit, a cue word
next to a name) points at, with small anchored patterns.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import islice, takewhile
from operator import attrgetter, itemgetter

from db.ingest.names import (
    HONORIFICS,
    LEGAL_SUFFIXES,
    company_key,
    fold,
    group_names,
    person_key,
    same_quote,
)
from db.models import (
    CleanArticle,
    EventFact,
    Extraction,
    MentionFact,
    OrgQuoteFact,
    PartnershipFact,
    PartnershipStatus,
    QuoteFact,
    RoleFact,
)

# ---------------------------------------------------------------- vocabulary (general English, no names)

_UP = "A-ZÀ-ÖØ-ÞĀĂĄĆĈĊČĎĐĒĔĖĘĚĜĞĠĢĤĦĨĪĬĮİĴĶĹĻĽĿŁŃŅŇŊŌŎŐŒŔŖŘŚŜŞŠŢŤŦŨŪŬŮŰŲŴŶŸŹŻŽ"
_PARTICLE = r"(?:van|von|der|den|de|da|di|du|del|della|la|le|bin|ibn|al|el|ben|dos|das)"


def _name_pattern(q: str = "") -> tuple[str, str]:
    """A capitalised word, and a run of them: the raw material of names ("Acme Widgets AG", "Dr Jane Q.
    Doe"). With q="+" the quantifiers are possessive: the same matches where nothing follows the run, found
    faster (a run never has to give words back)."""
    cap = rf"[{_UP}][^\W_]*{q}(?:(?:['’-][{_UP}]|-(?=[^\W\d_]))[^\W_]+{q})*{q}"
    name = (
        rf"{cap}\.?(?:[ ]+{q}(?:{_PARTICLE}[ ]+)*{q}(?:(?:Inc|Corp|Co|Ltd|Jr|Sr)\.|[{_UP}]\.|{cap})"
        rf"(?:[ ]*\([{_UP}]{{2,6}}\))?)*{q}"
    )
    return cap, name


CAP, NAME = _name_pattern()
ORGNAME = rf"(?:@\w+|{NAME})"

SPEECH_VERBS = (
    "says|said|say|adds|added|add|tells|told|tell|emphasi[sz]es|emphasi[sz]ed|emphasi[sz]e|explains|"
    "explained|notes|noted|states|stated|continues|continued|writes|wrote|comments|commented|stresses|"
    "stressed|insists|insisted|argues|argued|warns|warned|declares|declared|confirms|confirmed|"
    "acknowledges|acknowledged|admits|admitted|claims|claimed|replies|replied|responds|responded|"
    "recalls|recalled|observes|observed|remarks|remarked|tweets|tweeted|posted|announced|announces|"
    "concludes|concluded|predicts|predicted|asks|asked|jokes|joked|quipped|quips|points out|pointed out|"
    "[Aa]ccording to"
)


def _alternatives(alternation: str) -> tuple[str, ...]:
    """Every word an alternation of plain words and [xy] classes matches: "emphasi[sz]e" -> both spellings."""
    out: list[str] = []
    for alt in alternation.split("|"):
        forms = [""]
        for part in re.split(r"(\[[^\]]+\])", alt):
            if part.startswith("["):
                forms = [f + c for f in forms for c in part[1:-1]]
            else:
                forms = [f + part for f in forms]
        out.extend(forms)
    return tuple(out)


def _prefix_tree(words: Iterable[str], *, boundary: bool = False) -> str:
    """Plain words as one alternation that shares their beginnings ("say|says|said" -> "sa(?:y(?:s|)|id)"):
    the pattern engine tries the branches of an alternation one by one, so fewer branches at each step are
    faster. Longer words come first. Only for words that end at a word boundary or a space, where at most
    one of them can match at one place (so that their order does not matter).

    boundary=True: the words start at a word boundary (they start with a letter). The boundary is checked
    after the first letter, so that the pattern starts with letters, which the engine jumps to."""
    groups: dict[str, list[str]] = {}
    for word in sorted(set(words), key=lambda w: (-len(w), w)):
        groups.setdefault(word[:1], []).append(word[1:])
    after_first = r"(?<=\b.)" if boundary else ""
    branches = [re.escape(c) + (after_first + _prefix_tree(rest) if c else "") for c, rest in groups.items()]
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


_SPEECH_VERB = _prefix_tree(_alternatives(SPEECH_VERBS))  # SPEECH_VERBS, faster to match
_VERB = re.compile(rf"\b{_SPEECH_VERB}\b")
_VERB_AT_START = re.compile(rf"\s*(?:{SPEECH_VERBS})\b")

ROLE_WORDS = frozenset(
    (
        "ceo", "cfo", "cto", "coo", "cmo", "cio", "cso", "cpo", "chief", "president", "vice-president",
        "chairman", "chairwoman", "chairperson", "chair", "founder", "co-founder", "cofounder", "director",
        "head", "manager", "spokesperson", "spokesman", "spokeswoman", "officer", "executive", "vp", "svp",
        "evp", "analyst", "minister", "secretary", "shareholder", "owner", "partner", "principal", "lead",
        "leader", "engineer", "scientist", "professor", "researcher", "editor", "governor", "senator",
        "mayor", "chancellor", "dean", "commissioner", "economist", "strategist", "adviser", "advisor",
        "consultant", "designer", "architect", "producer", "treasurer", "trustee", "ambassador", "attorney",
        "lawyer", "counsel", "md", "boss", "deputy", "correspondent", "reporter", "photographer", "inventor",
        "creator", "member", "representative", "investor", "premier", "captain", "coach", "curator", "author",
        "writer", "journalist", "expert"
    )
)
ROLE_MODIFIERS = frozenset(
    (
        "senior", "junior", "executive", "chief", "vice", "deputy", "managing", "general", "global",
        "regional", "former", "interim", "acting", "co", "founding", "lead", "principal", "head", "country",
        "associate", "assistant", "technical", "financial", "operating", "marketing", "product", "creative",
        "majority", "minority", "independent", "non-executive", "board", "group", "company", "and", "of",
        "the"
    )
)
_ROLEISH = ROLE_WORDS | ROLE_MODIFIERS
# Words before an organisation's name that belong to the role after it: "Former Acme chief executive".
_FORMER = frozenset(("former", "ex", "then", "acting", "interim", "outgoing", "incoming"))
# Words that make a capitalised run an organisation, a place or a thing rather than a person.
NON_PERSON_WORDS = LEGAL_SUFFIXES | frozenset(
    (
        "camera", "cameras", "electronics", "technologies", "technology", "tech", "systems", "labs", "lab",
        "authority", "reviews", "review", "times", "news", "media", "capital", "partners", "ventures",
        "networks", "network", "mobile", "software", "association", "council", "foundation", "society",
        "club", "department", "ministry", "government", "university", "institute", "agency", "bank", "motors",
        "industries", "international", "global", "solutions", "services", "communications", "telecom",
        "airlines", "studios", "games", "entertainment", "records", "press", "post", "journal", "magazine",
        "daily", "weekly", "herald", "tribune", "gazette", "online", "digital", "interactive", "analytics",
        "research", "consulting", "insights", "intelligence", "markets", "securities", "investments", "fund",
        "trust", "commission", "office", "board", "committee", "court", "police", "army", "party", "union",
        "school", "college", "hospital", "center", "centre", "museum", "store", "brands", "list", "awards",
        "show", "conference", "summit", "expo", "festival", "series", "edition", "pro", "ultra", "plus",
        "max", "mini", "lite", "phone", "phones", "watch", "zoom", "business", "consumer", "division", "bg",
        "release", "street", "avenue", "road", "city", "county", "state", "republic", "kingdom", "east",
        "west", "north", "south", "world", "day", "week", "month", "year", "optics", "imaging",
        "semiconductor", "semiconductors", "robotics", "energy", "audio", "devices", "photonics",
        "instruments", "cloud", "project"
    )
)
STOP_CAPS = frozenset(
    (
        "the", "a", "an", "in", "on", "at", "for", "with", "from", "by", "to", "of", "and", "but", "or", "if",
        "when", "while", "as", "after", "before", "since", "until", "during", "despite", "although", "though",
        "however", "meanwhile", "today", "yesterday", "tomorrow", "last", "next", "this", "that", "these",
        "those", "it", "its", "he", "she", "they", "we", "i", "you", "our", "their", "his", "her", "my",
        "your", "there", "here", "what", "which", "who", "why", "how", "where", "both", "neither", "either",
        "each", "every", "all", "some", "many", "most", "such", "also", "even", "initially", "finally",
        "according", "previous", "related", "new", "expect", "could", "would", "should", "will", "can", "may",
        "might", "must", "one", "two", "three", "first", "second", "another", "other", "more", "less", "only",
        "just", "still", "yet", "so", "then", "thus", "therefore", "indeed", "instead", "besides", "moreover",
        "furthermore", "overall", "now", "later", "earlier", "recently", "currently", "soon", "once", "again",
        "not", "no", "yes", "do", "does", "did", "is", "are", "was", "were", "be", "been", "being", "has",
        "have", "had", "let", "see", "read", "watch", "click", "sign", "join", "share", "follow", "get",
        "find", "learn", "mr", "mrs", "ms", "dr", "prof", "sir", "dame", "monday", "tuesday", "wednesday",
        "thursday", "friday", "saturday", "sunday", "press"
    )
)
_MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_LEGAL_CASED = frozenset(
    (
        "AG", "Inc", "Ltd", "GmbH", "Corp", "Co", "plc", "PLC", "LLC", "Group", "Holdings", "SA", "NV",
        "Limited", "Corporation", "Incorporated"
    )
)
_COMPANY_NOUNS = frozenset(
    (
        "maker", "makers", "manufacturer", "company", "firm", "giant", "brand", "retailer", "carrier",
        "operator", "vendor", "supplier", "rival", "competitor", "chipmaker", "startup", "start-up",
        "conglomerate", "oem", "provider", "specialist", "outfit", "website", "publication", "newspaper",
        "outlet", "site", "magazine", "agency", "subsidiary", "studio", "label", "carmaker", "automaker",
        "drugmaker", "biotech", "insurer", "consultancy", "bank", "broker", "lender", "investor", "fund",
    )
)
# What may describe a company before its name: "a deal with U.S. biotech Acme", "a partner at consultancy
# Acme", "with its supplier Acme".
_DESCRIBED = (
    rf"(?:(?:the|its|their|a|an)\s+)?(?:(?:[{_UP}][\w.'’-]*|[a-z][\w'’-]*)\s+){{0,3}}?"
    rf"(?:{'|'.join(sorted(_COMPANY_NOUNS, key=lambda n: (-len(n), n)))})\s+"
)
_PERSONISH_NOUNS = frozenset(["rival", "competitor", "specialist", "outfit", "studio", "label", "agency"])
_PRODUCT_NOUNS = frozenset(
    (
        "phone", "phones", "smartphone", "smartphones", "handset", "handsets", "device", "devices", "camera",
        "cameras", "chip", "chips", "processor", "processors", "laptop", "laptops", "tablet", "tablets",
        "product", "products", "items", "models", "flagship", "flagships"
    )
)
# Capitalised words that a number follows without making a product ("Article 5", "Phase 2").
_COUNT_NOUNS = frozenset(
    (
        "article", "section", "chapter", "phase", "level", "stage", "round", "part", "top", "number", "no",
        "page", "day", "week", "year", "room", "gate", "floor", "act", "title", "category", "grade", "class",
        "group", "tier", "route", "highway", "channel", "terminal", "q", "h", "covid", "season", "episode",
        "volume", "issue", "version", "world"
    )
)
_MODEL_SUFFIXES = frozenset(
    ("Pro", "Ultra", "Plus", "Max", "Mini", "Lite", "Edge", "Note", "Neo", "Prime", "Gen", "+")
)
_MODEL_WORDS = frozenset(w.lower() for w in _MODEL_SUFFIXES)
_MONTH_START = re.compile("Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec")
_QUOTE_MARKS = "\"“”‘’"
_STOP_OR_HONORIFIC = STOP_CAPS | HONORIFICS
# Words that make a capitalised name an organisation that can speak ("the Transport Ministry said").
_ORG_WORDS = LEGAL_SUFFIXES | frozenset(
    (
        "ministry", "department", "agency", "government", "council", "commission", "authority", "office",
        "police", "court", "bank", "university", "institute", "foundation", "association", "union", "party",
        "committee", "board", "corporation", "regulator", "parliament", "senate", "administration",
    )
)
_PLURAL_ORG_WORDS = frozenset(
    ("they", "companies", "firms", "partners", "groups", "brands", "corporations", "manufacturers", "parties")
)
_SINGULAR_ORG_WORDS = frozenset(("company", "firm", "group", "brand", "manufacturer", "maker"))

# ---------------------------------------------------------------- text helpers

_NAME_RE = re.compile(_name_pattern("+")[1])  # only where nothing follows the run
_HANDLE_RE = re.compile(r"@\w+")
_ABBREVIATIONS = (
    "Dr", "Mr", "Mrs", "Ms", "Prof", "St", "Inc", "Corp", "Co", "Ltd", "Jr", "Sr", "vs", "No", "Gen", "Sen",
    "Rep", "Gov", "Mt", "Ft", "approx", "etc", "Fig", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep",
    "Sept", "Oct", "Nov", "Dec", "e.g", "i.e", "U.S", "U.K",
)  # fmt: skip
# One lookbehind per length (a lookbehind needs a fixed width): far fewer tests at each full stop.
_NOT_SENTENCE_END = "".join(
    rf"(?<!\b(?:{'|'.join(re.escape(a) for a in _ABBREVIATIONS if len(a) == n)})\.)"
    for n in sorted({len(a) for a in _ABBREVIATIONS})
)
_AFTER_END = rf"[\"”’')\]]*\s+(?=[\"“‘'(\[]?[@0-9{_UP}])"
_SENT_BOUNDARY = re.compile(rf"[.!?…]{_NOT_SENTENCE_END}(?<!\b[{_UP}]\.){_AFTER_END}")
# The same at full stops only: a pattern that starts with a literal is found by a fast string search.
_FULL_STOP_BOUNDARY = re.compile(rf"\.{_NOT_SENTENCE_END}(?<!\b[{_UP}]\.){_AFTER_END}")


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence; abbreviations and initials do not end a sentence."""
    pattern = _SENT_BOUNDARY if ("!" in text or "?" in text or "…" in text) else _FULL_STOP_BOUNDARY
    bounds: list[tuple[int, int]] = []
    start = 0
    for m in pattern.finditer(text):
        bounds.append((start, m.start() + 1))
        start = m.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def _split_bounds(body: str, paragraphs: tuple[str, ...], offsets: list[int]) -> list[list[tuple[int, int]]]:
    """sentence_bounds of each paragraph, from one scan of the body (paragraphs joined by newlines).

    A boundary match that runs on into the next paragraph is no boundary within the paragraph alone."""
    pattern = _SENT_BOUNDARY if ("!" in body or "?" in body or "…" in body) else _FULL_STOP_BOUNDARY
    out: list[list[tuple[int, int]]] = [[] for _ in paragraphs]
    if not paragraphs:
        return out
    i, start, base, end = 0, 0, 0, len(paragraphs[0])
    for m in pattern.finditer(body):
        a, b = m.span()
        while a >= end:
            if start < end:
                out[i].append((start - base, end - base))
            i += 1
            start = base = offsets[i]
            end = base + len(paragraphs[i])
        if b <= end:
            out[i].append((start - base, a + 1 - base))
            start = b
    while True:
        if start < end:
            out[i].append((start - base, end - base))
        i += 1
        if i == len(paragraphs):
            return out
        start = base = offsets[i]
        end = base + len(paragraphs[i])


@lru_cache(maxsize=65536)
def _clean_name(name: str) -> str:
    """Strip leading function words and honorifics, a trailing possessive and stray punctuation."""
    tokens = name.split()
    while tokens and (tokens[0].lower().rstrip(".") in _STOP_OR_HONORIFIC):
        tokens = tokens[1:]
    out = " ".join(tokens).strip(" ,.;:")
    if out.endswith(("'s", "’s")):
        out = out[:-2]
    return out


@lru_cache(maxsize=65536)
def looks_like_person(name: str) -> bool:
    """A full personal name: 2-4 capitalised words, no organisation or role words, not all capitals."""
    tokens = name.split()
    if not 2 <= len(tokens) <= 4:
        return False
    for t in tokens:
        low = t.strip(".,()").lower()
        if low in NON_PERSON_WORDS or low in ROLE_WORDS or low in STOP_CAPS:
            return False
        if (not t.isalpha() and any(map(str.isdigit, t))) or (len(t) > 2 and t.isupper()):
            return False
    return True


@lru_cache(maxsize=65536)
def _split_run_role(run: str) -> tuple[str | None, str | None, str]:
    """ "Acme Chief Executive Jane Doe" -> ("Acme", "Chief Executive", "Jane Doe")."""
    tokens = run.split()
    last = -1
    for i, t in enumerate(tokens):
        if t.strip(".,").lower() in ROLE_WORDS:
            last = i
    if last < 0:
        return None, None, run
    first = last
    while first > 0 and tokens[first - 1].lower() in _ROLEISH:
        first -= 1
    org = _clean_name(" ".join(tokens[:first])) or None
    org, title = _former_to_role(org, " ".join(tokens[first : last + 1]))  # "Former Acme CEO Jane Doe"
    return org, title, " ".join(tokens[last + 1 :])


def _former_to_role(org: str | None, role: str) -> tuple[str | None, str]:
    """ "Former Acme" and "chief executive" -> "Acme" and "former chief executive": the word is the role's."""
    lead, _, rest = (org or "").partition(" ")
    if rest and lead.lower() in _FORMER:
        return rest, f"{lead.lower()} {role}"
    return org, role


def _run_info(run: str) -> tuple[str | None, str | None, str | None, str, bool, bool]:
    """What a capitalised run can be: (person name, title, org in the run, company name, person-like, legal).

    "Acme CEO Jane Doe" -> ("Jane Doe", "CEO", "Acme", "Acme", True, False).
    """
    org, title, rest = _split_run_role(run)
    name = _clean_name(rest)
    person = name if looks_like_person(name) else None
    company = (org or "") if title else name
    legal = _is_legal_run(run)
    if described := _after_company_noun(company):
        company, legal = described, True
    return person, title, org, company, looks_like_person(company), legal


def _after_company_noun(name: str) -> str | None:
    """The name after a company noun that opens a sentence ("Chipmaker Nanoforge" -> "Nanoforge"), or None."""
    first, _, after = name.partition(" ")
    return after if after and first.lower() in _COMPANY_NOUNS else None


# What a run is, whatever its place: _run_info(run), the index of its model-number token, the offsets of
# month names in it. Computed once per distinct run (names recur across articles) and kept with each run.
_RunData = tuple[str | None, str | None, str | None, str, bool, bool, int, tuple[int, ...]]


@lru_cache(maxsize=65536)
def _run_data(run: str) -> _RunData:
    return (*_run_info(run), _model_index(run), _month_offsets(run) if run[0] != "@" else ())


_SKIP_BEFORE_WORD = frozenset(" ,\"“‘'")


def _word_before(p: str, pos: int) -> str:
    """The word that ends right before pos (quotes, commas and spaces skipped), lower case."""
    j = pos
    while j > 0 and p[j - 1] in _SKIP_BEFORE_WORD:
        j -= 1
    i = p.rfind(" ", max(0, j - 30), j)
    return p[i + 1 : j].lower()


def _name_hits(text: str, names: Iterable[str]) -> list[tuple[int, int, str]]:
    """(offset, -length, name) of each place where one of the names stands in text as a whole word (not
    inside another word or a handle), in text order, the longest name first at one place."""
    hits: list[tuple[int, int, str]] = []
    size = len(text)
    for name in names:
        if name not in text:  # cheaper than find for the many names a short text does not hold
            continue
        n = len(name)
        i = text.find(name)
        while i != -1:
            if (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "@")) and (
                i + n >= size or not text[i + n].isalnum()
            ):
                hits.append((i, -n, name))
            i = text.find(name, i + 1)
    hits.sort()
    return hits


# ---------------------------------------------------------------- the article as it is read


# A capitalised run (or @handle) of a paragraph: (start, end, text, _run_data(text)).
_RunAt = tuple[int, int, str, _RunData]
_FIRST = itemgetter(0)  # the start of a run or of a sentence's bounds


def _runs_of(p: str) -> tuple[list[_RunAt], list[int]]:
    """The capitalised runs (and @handles) of a paragraph in order, and where month names start in it (a
    month name is always in a run)."""
    runs: list[_RunAt] = []
    months: list[int] = []
    end = 0
    for run in _NAME_RE.findall(p):  # cheaper than finditer
        # The run stands at the first place after the run before where its text does: the pattern would
        # have matched at any such place.
        start = p.find(run, end)
        end = start + len(run)
        data = _run_data(run)
        runs.append((start, end, run, data))
        if data[7]:
            months += [start + k for k in data[7]]
    if "@" in p:
        runs += [(m.start(), m.end(), m.group(), _run_data(m.group())) for m in _HANDLE_RE.finditer(p)]
        runs.sort()
    return runs, months


@dataclass
class _Person:
    name: str
    role: str | None = None
    org: str | None = None


class _Ctx:
    """One article and what has been learnt about it so far."""

    def __init__(self, paragraphs: tuple[str, ...], published: str | None) -> None:
        self.paragraphs = paragraphs
        self.published = published
        self.pub_year = _year_of(published)
        self.body = body = "\n".join(paragraphs)
        self.offsets = offsets = [0]
        for p in paragraphs[:-1]:
            offsets.append(offsets[-1] + len(p) + 1)
        # Sentences are found in one scan of the body, then split by paragraph.
        self.bounds = _split_bounds(body, paragraphs, self.offsets)
        self.starts = [list(map(_FIRST, b)) for b in self.bounds]
        self.runs: list[list[_RunAt]] = []
        self.months: list[list[int]] = []  # where month names start in each paragraph
        for p in paragraphs:
            runs, months = _runs_of(p)
            self.runs.append(runs)
            self.months.append(months)
        self.run_starts = [list(map(_FIRST, runs)) for runs in self.runs]
        # The dates of each paragraph (see find_dates).
        self.dates = [
            _dates_at(p, years, months, published) if years or months or "year" in p else []
            for p, years, months in zip(paragraphs, self._year_starts(), self.months, strict=True)
        ]
        self.companies: dict[str, int] = {}  # surface -> paragraph where it was recognised
        self.people: dict[str, _Person] = {}  # full name -> person
        self.people_by_key: dict[str, _Person] = {}  # person_key(name) -> person
        self.surnames: set[str] = set()  # last words of the people's names
        self.company_hits: list[tuple[int, int, str]] = []  # (paragraph, offset, surface) in text order
        self.hits_by_para: list[list[tuple[int, str]]] = [[] for _ in paragraphs]
        self.canon: dict[str, str] = {}  # company surface -> the article's name for the company
        self.last_person: tuple[int, str] | None = None  # (paragraph, name) of the last quoted person
        self.noun_sentences: set[tuple[int, int]] = set()  # sentences with a partnership noun
        self._person_names: set[str] | None = None
        # For known_company: (surface, its company key and a space, the key's first character) of each
        # company in self.companies, in order; and the answer for each name with len(self.companies) then
        # (companies are only ever added, so the same length means the same companies).
        self._company_keys: list[tuple[str, str, str]] = []
        self._known: dict[str, tuple[int, str | None]] = {}

    def _year_starts(self) -> list[list[int]]:
        """Where _YEAR_START matches in each paragraph, from two string searches over the body."""
        body, offsets = self.body, self.offsets
        years: list[list[int]] = [[] for _ in self.paragraphs]
        found = []
        for needle in ("19", "20"):
            j = body.find(needle)
            while j != -1:
                found.append(j)
                j = body.find(needle, j + 1)
        last_end = -1
        for j in sorted(found):
            digits = body[j + 2 : j + 4]
            if j >= last_end and len(digits) == 2 and digits.isascii() and digits.isdigit():
                i = bisect_right(offsets, j) - 1
                years[i].append(j - offsets[i])
                last_end = j + 4
        return years

    def sentence_dates(self, i: int, s: int, e: int) -> list[tuple[int, int, str]]:
        """The dates of the sentence p[s:e] of paragraph i, with offsets in the sentence."""
        return [(a - s, b - s, d) for a, b, d in self.dates[i] if s <= a < e]

    def sentence_runs(self, i: int, s: int, e: int) -> list[tuple[int, int, str]]:
        """The capitalised runs that start in the sentence p[s:e] of paragraph i, offsets in the sentence.

        A run that goes on past the sentence's end ("Acme. The") is cut where a match on the sentence
        alone would end."""
        starts = self.run_starts[i]
        out: list[tuple[int, int, str]] = []
        p = self.paragraphs[i]
        for rs, re_, run, _data in self.runs[i][bisect_left(starts, s) : bisect_left(starts, e)]:
            if re_ > e:
                m = _NAME_RE.match(p, rs, e)
                if m is None:
                    continue
                re_, run = m.end(), m.group(0)
            out.append((rs - s, re_ - s, run))
        return out

    def sentence_start(self, i: int, pos: int) -> int:
        starts = self.starts[i]
        k = bisect_right(starts, pos) - 1
        return starts[k] if k >= 0 else 0

    def canonical(self, surface: str) -> str:
        return self.canon.get(surface, surface)

    def known_company(self, name: str) -> str | None:
        """The known surface for a name (same key, or one key a word-prefix of the other); shortest wins."""
        size = len(self.companies)
        memo = self._known.get(name)
        if memo is not None and memo[0] == size:
            return memo[1]
        keys = self._company_keys
        for known in islice(self.companies, len(keys), None):
            k_word = _company_key_word(known)
            keys.append((known, k_word, k_word[0]))
        key = _handle_words(name) if name.startswith("@") else company_key(name)
        best = None
        if key:
            # Equal keys, or one a word-prefix of the other: one of the keys with a space is a prefix of
            # the other (which needs the same first character).
            key_word = key + " "
            first = key_word[0]
            for known, k_word, k_first in keys:
                if (
                    k_first == first
                    and (key_word.startswith(k_word) or k_word.startswith(key_word))
                    and (best is None or len(known) < len(best))
                ):
                    best = known
        self._known[name] = (size, best)
        return best

    def add_company(self, name: str, para: int) -> None:
        self.companies.setdefault(name, para)

    def person_by_surname(self, token: str) -> _Person | None:
        """The one person of the article with this surname (or, failing that, this first name)."""
        found = [p for n, p in self.people.items() if n.rsplit(" ", 1)[-1] == token]
        if not found:
            found = [p for n, p in self.people.items() if n.split(" ", 1)[0] == token]
        if not found:
            # A full name seen earlier without a role ("Jane Doe runs the firm. ... Doe said").
            names = {n for n in self.person_names if n.rsplit(" ", 1)[-1] == token}
            if len(names) == 1:
                return self.remember_person(names.pop(), None)
        return found[0] if len(found) == 1 else None

    @property
    def person_names(self) -> set[str]:
        """Every run of the article that looks like a full personal name and is not a known company."""
        if self._person_names is None:
            self._person_names = {
                data[0]
                for runs in self.runs
                for _s, _e, _run, data in runs
                if data[0] and data[0] not in self.companies
            }
        return self._person_names

    def remember_person(self, name: str, role: tuple[str, str | None] | None) -> _Person:
        key = person_key(name)
        known = self.people_by_key.get(key)
        if known is not None:
            if role and not known.role:
                known.role, known.org = role
            return known
        person = _Person(name, *(role or (None, None)))
        self.people[name] = person
        self.people_by_key[key] = person
        self.surnames.add(name.rsplit(" ", 1)[-1])
        return person


def _companies_in(text: str, ctx: _Ctx) -> list[str]:
    """Known companies named in text, in order of appearance (the longest name at one place)."""
    out: list[str] = []
    end = -1
    for start, neg, name in _name_hits(text, ctx.companies):
        if start >= end:
            end = start - neg
            canon = ctx.canonical(name)
            if canon not in out:
                out.append(canon)
    return out


def _companies_at(ctx: _Ctx, i: int, start: int, end: int) -> list[str]:
    """Known companies named in paragraph i between two offsets, in order (from the index of mentions)."""
    out: list[str] = []
    for offset, surface in ctx.hits_by_para[i]:
        if start <= offset < end:
            canon = ctx.canonical(surface)
            if canon not in out:
                out.append(canon)
    return out


def _recent_companies(ctx: _Ctx, para: int, text: str, want: int) -> tuple[str, ...]:
    """The companies a text names, completed with the most recently named ones before it."""
    found = _companies_in(text, ctx)[:want]
    for p, _offset, surface in reversed(ctx.company_hits):
        if len(found) >= want:
            break
        canon = ctx.canonical(surface)
        if p <= para and canon not in found:
            found.append(canon)
    return tuple(found)


# ---------------------------------------------------------------- roles

_ROLE_DELIM = re.compile(
    r"[\"“”‘’;:()!?]|\.(?:\s|$)|\s"
    + _prefix_tree(
        (
            *_alternatives(SPEECH_VERBS),
            *("underlined", "underlines", "who", "which", "that", "is", "was", "has", "had", "will"),
        )
    )
    + r"\b"
)
_ORG_AT_END = re.compile(rf"\s(?:of|at|for|with|from|to)\s+(?:the\s+)?(?:{_DESCRIBED})?({ORGNAME})$")
_ORG_POSSESSIVE_ROLE = re.compile(rf"(?:the\s+)?({ORGNAME})(?:['’]s|(?<=s)['’])\s+(.+)$")
_ORG_CAP_ROLE = re.compile(rf"({NAME})\s+(.+)$")
# "the company's" before a role: a company, but not which one.
_GENERIC_OWNER = re.compile(rf"(?:the\s+)?(?:{'|'.join(sorted(_COMPANY_NOUNS))})['’]s\s+(?=\S)", re.I)
_NAME_AT_END = re.compile(rf"(?:^|(?<=\s))(?:{NAME})$")


def _is_role_phrase(text: str) -> bool:
    words = text.lower().split()
    return 0 < len(words) <= 16 and not ROLE_WORDS.isdisjoint([w.strip(",.") for w in words])


def _strip_article(role: str) -> str:
    """The role without its article, or the "now" of one held since ("now an adviser" -> "adviser")."""
    if role[:4].lower() == "now ":
        role = role[4:]
    low = role.lower()
    for art in ("the ", "a ", "an ", "its ", "their "):
        if low.startswith(art):
            return role[len(art) :]
    return role


# When a role began or ended, after it: "chief executive of Acme since 2019", "... from 2012 to 2015".
_PLACE_AT_END = re.compile(rf"\s+(?:in|based\s+in)\s+{CAP}(?:\s+{CAP})?$")
_ROLE_TIME = re.compile(r"\s+(?:since|from|until|till|between|in)\s+[^,]{0,30}?\b(?:1[89]|20)\d\d$")


def _split_role_org(phrase: str) -> tuple[str, str | None]:
    """ "majority shareholder and chairman of the board of Acme AG" -> (role, "Acme AG")."""
    phrase = phrase.strip(" ,")
    if phrase[-1:].isdigit():
        phrase = _ROLE_TIME.sub("", phrase)
    for text in dict.fromkeys((phrase, _PLACE_AT_END.sub("", phrase))):  # "analyst at Acme in Milan"
        m = _ORG_AT_END.search(text)
        if m:
            org = _clean_name(m.group(1).lstrip("@"))
            role = text[: m.start()].strip(" ,")
            if org and _is_role_phrase(role):
                return _strip_article(role), org
    m = _ORG_POSSESSIVE_ROLE.match(phrase)
    if m and _is_role_phrase(m.group(2)):
        return _strip_article(m.group(2)), _clean_name(m.group(1))
    m = _ORG_CAP_ROLE.match(phrase)
    if m and _is_role_phrase(m.group(2)) and not _is_role_phrase(m.group(1)):
        org = _clean_name(m.group(1))
        if org:
            return _strip_article(m.group(2)), org
    m = _GENERIC_OWNER.match(phrase)  # "the company's chief financial officer": which company is not said
    return _strip_article(phrase[m.end() :] if m else phrase), None


def role_after_name(text: str) -> tuple[str, str | None, int] | None:
    """Parse ", ROLE [of ORG]" right after a name. Returns (role, org, characters consumed)."""
    if not text.startswith(", ") or not text[2:3].isalpha():
        return None
    text = text[:300]
    m = _ROLE_DELIM.search(text, 2)
    chunk = text[2 : m.start() if m else len(text)]
    segments = chunk.split(", ")
    taken = [segments[0]]
    for seg in segments[1:]:
        words = seg.split(" ", 2)
        head = words[1] if words[0] == "and" and len(words) > 1 else words[0]
        if head.lower() not in _ROLEISH or not _is_role_phrase(seg) or _goes_on_to_a_person(seg):
            break  # not ", the deal is ...", nor ", and former Acme chief executive Jane Doe came"
        taken.append(seg)
    phrase = ", ".join(taken)
    parsed = _parse_role(phrase)
    return (*parsed, 2 + len(phrase)) if parsed else None


def _goes_on_to_a_person(segment: str) -> bool:
    """Whether a person's name follows the last role word of a segment: "and former Acme chief executive
    Jane Doe" (another person with a role of their own), not "and chairman of Acme Holdings"."""
    words = segment.split()
    last = max((i for i, w in enumerate(words) if w.lower().strip(",.") in ROLE_WORDS), default=len(words))
    m = _NAME_RE.match(" ".join(words[last + 1 :]))
    return m is not None and looks_like_person(m.group())


@lru_cache(maxsize=65536)
def _parse_role(phrase: str) -> tuple[str, str | None] | None:
    """(role, org) of a role phrase ("chief executive of Acme"), or None when it names no role."""
    if not _is_role_phrase(phrase):
        return None
    role, org = _split_role_org(phrase)
    return (role, org) if role else None


def role_before_name(text: str) -> tuple[str, str | None] | None:
    """Parse "ORG's ROLE, " / "ORG ROLE, " / "ROLE of ORG, " / "ROLE " right before a name ("Acme's head of
    sales, ")."""
    stripped = text.rstrip()
    if stripped.endswith(","):
        org_at = _NAME_AT_END.search(stripped[:-1])
        head = stripped[: org_at.start()].rstrip() if org_at else ""
        if org_at and head.endswith((" of", " at")):
            parsed = role_before_name(head[:-3] + " ")  # "The managing director of Acme, Jane Doe"
            if parsed and parsed[1] is None:
                return _strip_article(parsed[0]), _clean_name(org_at.group(0))
    words = text[-100:].rstrip(" ,").split(" ")
    last = " ".join(words[-6:]).lower()
    # A quick test first (dots and commas inside words taken as spaces too: it finds every role word the
    # exact one finds), as most names have no role before them.
    if ROLE_WORDS.isdisjoint(last.replace(",", " ").replace(".", " ").split()) or ROLE_WORDS.isdisjoint(
        [w.strip(",.") for w in last.split(" ")]
    ):
        return None
    k = len(words) - 1
    phrase: list[str] = []
    while k >= 0 and len(phrase) < 8:
        w = words[k].rstrip(",")
        if phrase and words[k].endswith((",", ";", ":")):
            break  # a clause ends before the role
        low = w.lower()
        if low.endswith(("’s", "'s")) or not (low in _ROLEISH or (w.isalpha() and w.islower())):
            break
        phrase.insert(0, w)
        k -= 1
    trimmed = 0
    while phrase and (phrase[0].lower() not in _ROLEISH or phrase[0] in ("and", "of", "the")):
        phrase.pop(0)
        trimmed += 1
    if not phrase:
        return None
    w = words[k] if k >= 0 else ""
    if not trimmed and w.isupper() and len(w) <= 3 and k > 0 and words[k - 1].endswith(("’s", "'s")):
        phrase.insert(0, w)  # a region or a unit: "Acme's UK boss, "
        k -= 1
    lows = [w.lower() for w in phrase]
    if lows[-1] in ("of", "at", "for", "with", "in", "from", "to"):
        return None  # "the managing director of Acme": the name after it is the organisation's
    of = lows.index("of") if "of" in lows else len(lows)
    if lows[of - 1] not in ROLE_WORDS and lows[-1] not in ROLE_WORDS:
        return None
    org = None
    role = " ".join(phrase)
    if not trimmed and k >= 0:
        before = " ".join(words[: k + 1])
        possessive = before.endswith(("’s", "'s"))
        m = _NAME_AT_END.search(before[:-2] if possessive else before)
        if m and (possessive or lows[0] in _ROLEISH):
            org = _clean_name(m.group(0)) or None
        org, role = _former_to_role(org, role)  # "Former Acme chief executive"
        if m and org and (former := before[: m.start()].rstrip().rpartition(" ")[2]) in _FORMER:
            role = f"{former} {role}"  # "and former Acme chief executive"
    return role, org


# A person's organisation after the name: "CEO Tom Hale of Brightline", "Li Wen of Canalys".
_OF_ORG = re.compile(rf"\s+(?:of|at|from)\s+(?:the\s+)?(?P<org>{NAME})")


def _run_role(title: str, org: str | None, before: str) -> tuple[str, str | None]:
    """The role of a run that holds a title ("CEO Jane Doe"), with the organisation and the words before it:
    "Acme founder and CEO Jane Doe" -> ("founder and CEO", "Acme")."""
    if org is None and before.endswith(" "):
        longer = role_before_name(f"{before}{title} ")
        if longer and longer[1]:
            return longer
    return title, org


def extract_roles(ctx: _Ctx) -> list[RoleFact]:
    """People named with a role: "NAME, ROLE of ORG", "ORG's ROLE, NAME", "ORG ROLE NAME"."""
    roles: list[RoleFact] = []
    seen: set[tuple[str, str, str]] = set()
    for i, p in enumerate(ctx.paragraphs):
        for s, e, _run, (name, title, org, _company, _personish, _legal, _model, _months) in ctx.runs[i]:
            if name is None:
                continue
            # Both a title in the run and an apposition may state one ("Former Acme CEO Jane Doe, now an
            # adviser to Initech,"): the apposition first, as the person's role where a quote names none.
            stated: list[tuple[str, str | None]] = []
            if p.startswith(", ", e) and (after := role_after_name(p[e : e + 300])):
                stated.append((after[0], after[1]))
            if title:
                stated.append(_run_role(title, org, p[max(0, s - 100) : s]))
            elif not stated and p[s - 1 : s] == " " and (before := role_before_name(p[max(0, s - 100) : s])):
                stated.append(before)
            for role in stated:
                if role[1] is None and (of_org := _OF_ORG.match(p, e)):
                    role = (role[0], _clean_name(of_org.group("org")))  # "CEO Tom Hale of Brightline"
                person = ctx.remember_person(name, role)
                key = (person.name, role[0], role[1] or "")
                if key not in seen:
                    seen.add(key)
                    roles.append(RoleFact(person.name, role[0], role[1], i))
    return roles


# ---------------------------------------------------------------- quote spans


def _is_alnum(s: str, i: int) -> bool:
    return 0 <= i < len(s) and s[i].isalnum()


def _closes(p: str, j: int) -> bool:
    """Is the single quote at j a closing mark (not an apostrophe)?"""
    if _is_alnum(p, j + 1) or (j > 0 and p[j - 1] == " "):
        return False
    if p[j - 1 : j] in ("s", "S") and p[j + 1 : j + 2] == " " and p[j + 2 : j + 3].islower():
        # "the partners’ teams": a plural possessive when a clear closing mark (after punctuation) follows
        # before the next quotation opens.
        if _VERB_AT_START.match(p, j + 1):
            return True
        mark = p[j]
        nxt = p.find("‘" if mark == "’" else "'", j + 1)
        end = nxt if nxt != -1 else len(p)
        k = p.find(mark, j + 1, end)
        while k != -1:
            if p[k - 1] in ",.!?…" and not _is_alnum(p, k + 1):
                return False
            k = p.find(mark, k + 1, end)
    return True


def quote_spans(p: str) -> list[tuple[int, int]]:
    """Spans (open, close) of quotations in a paragraph; close is len(p) for an unclosed quotation."""
    spans: list[tuple[int, int]] = []
    i = p.find("“")
    while i != -1:
        j = p.find("”", i + 1)
        spans.append((i, j if j != -1 else len(p)))
        i = p.find("“", j + 1) if j != -1 else -1
    if '"' in p:
        pos = []
        k = p.find('"')
        while k != -1:
            pos.append(k)
            k = p.find('"', k + 1)
        spans.extend(zip(pos[0::2], pos[1::2], strict=False))
        last = pos[-1]
        if len(pos) % 2 == 1 and not _is_alnum(p, last - 1) and (_is_alnum(p, last + 1) or last <= 1):
            spans.append((last, len(p)))  # a quotation that goes on in the next paragraph
    for opener, closer in (("‘", "’"), ("'", "'")):
        i = p.find(opener)
        while i != -1:
            if _is_alnum(p, i - 1) or not (_is_alnum(p, i + 1) or p[i + 1 : i + 2] in ("[", "@")):
                i = p.find(opener, i + 1)
                continue
            j = p.find(closer, i + 1)
            while j != -1 and not _closes(p, j):
                j = p.find(closer, j + 1)
            spans.append((i, j if j != -1 else len(p)))
            i = p.find(opener, j + 1) if j != -1 else -1
    spans.sort(key=lambda s: (s[0], -s[1]))
    kept: list[tuple[int, int]] = []
    for s in spans:
        if not kept or s[0] >= kept[-1][1]:
            kept.append(s)
    return kept


# ---------------------------------------------------------------- speakers


@dataclass
class _Speaker:
    person: _Person | None = None
    orgs: tuple[str, ...] = ()


_VOICE_NOUN = re.compile(
    r"(?:spokes(?:person|man|woman)|representative|statement|press release|announcement|release|"
    r"blog post|tweet|post|website|source|official|insider)s?$"
)
_VOICE_FOR = re.compile(
    r"\b(?:spokes(?:person|man|woman)|representative|official|source|statement)s?\s+(?:for|at|of|from)\s+"
    r"(?:the\s+)?$"
)
_ORG_PLURAL = re.compile(
    r"(?:^|\s)(?:they|the (?:two )?(?:companies|firms|partners|groups|brands|corporations|manufacturers)|"
    r"both (?:companies|firms|partners|parties|brands))$",
    re.IGNORECASE,
)
_ORG_SINGULAR = re.compile(r"(?:^|\s)the (?:company|firm|group|brand|manufacturer|maker)$", re.IGNORECASE)


# Where a speaker was, after the name: "said Jane Doe at a launch event", "Doe said on Monday".
_CIRCUMSTANCE = re.compile(
    r" (?:at|in|on|during|after|before|while|via|from) (?:a|an|the|his|her|its|their|this|last|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b"
)


def _without_circumstance(subject: str) -> str:
    """The subject up to a circumstance that follows a name (a capitalised word: not "head of sales at the
    Acme group") or closes an apposition ("Jane Doe, Acme's founder, in a statement")."""
    m = _CIRCUMSTANCE.search(subject)
    while m is not None:
        before = subject[subject.rfind(" ", 0, m.start()) + 1 : m.start()]
        if before[:1].isupper() or before.endswith(","):
            return subject[: m.start()].rstrip(" ,")
        m = _CIRCUMSTANCE.search(subject, m.end())
    return subject


# What joins the words of one organisation's name: "Ministry of Defence", "Department for Transport".
_NAME_LINKS = frozenset((" of ", " for ", " of the ", " for the "))


def parse_subject(subject: str, para: int, text: str, at: int, ctx: _Ctx) -> _Speaker | None:
    """Who a clause names as the speaker: a person (with role) or organisations. `at`: where the quotation
    opens in paragraph `para`."""
    subject = subject.strip(" ,")
    if " " in subject:
        subject = _without_circumstance(subject)
    if not subject:
        return None
    last = subject.rsplit(None, 1)[-1]
    if last.startswith("@"):
        return _Speaker(orgs=(_canonical_company(last, ctx) or last[1:],))
    low_last = last.lower()
    names = list(_NAME_RE.finditer(subject))
    if names and not subject[names[-1].end() :].strip():
        # "a spokeswoman for Acme" / "officials at the Foo Agency" / "a spokesman for the Ministry of
        # Defence": the organisation speaks.
        first = len(names) - 1
        while first and subject[names[first - 1].end() : names[first].start()] in _NAME_LINKS:
            first -= 1
        m = _VOICE_FOR.search(subject, max(0, names[first].start() - 40), names[first].start())
        if m and not any(looks_like_person(_clean_name(n.group(0))) for n in names[:first]):
            org = _clean_name(subject[names[first].start() : names[-1].end()])
            return _Speaker(orgs=(_canonical_company(org, ctx) or org,))
    m = _VOICE_NOUN.search(subject, max(0, len(subject) - 20))
    if m and (m.start() == 0 or subject[m.start() - 1] == " "):
        before = subject[: m.start()].rstrip()
        if before.endswith(("’s", "'s")):
            before = before[:-2]
        owner = next((n for n in reversed(names) if n.end() == len(before)), None)
        org = _clean_name(owner.group(0)) if owner else ""
        if org and not looks_like_person(org):
            return _Speaker(orgs=(_canonical_company(org, ctx) or org,))
        return _Speaker(orgs=_recent_companies(ctx, para, text, 1))
    if low_last in _PLURAL_ORG_WORDS and _ORG_PLURAL.search(subject):
        return _Speaker(orgs=_recent_companies(ctx, para, text, 2))
    if low_last in _SINGULAR_ORG_WORDS and _ORG_SINGULAR.search(subject):
        return _Speaker(orgs=_recent_companies(ctx, para, text, 1))
    if low_last in ("he", "she"):
        named = _person_named_before(ctx, para, at)
        if named is not None:
            return _Speaker(person=_Person(named.name, named.role, named.org))
        if ctx.last_person and para - ctx.last_person[0] <= 2:
            known = ctx.people[ctx.last_person[1]]
            return _Speaker(person=_Person(known.name, known.role, known.org))
        return None
    return _person_at_end(subject, names, ctx)


def _person_named_before(ctx: _Ctx, para: int, at: int) -> _Person | None:
    """Who "he" or "she" after the quotation at `at` most likely is: the first person the article knows who
    is named in the last sentence before it, in its paragraph, that names one (most often its subject:
    'Acme's CFO, John Doe, said costs would fall. "...," he said.')."""
    found: _Person | None = None
    sentence = -1
    for s, e, run, data in ctx.runs[para]:
        if e > at:
            break
        name = data[0]
        known = ctx.people_by_key.get(person_key(name)) if name else None
        if known is None and " " not in run and run in ctx.surnames:
            known = ctx.person_by_surname(run)
        if known is not None and (start := ctx.sentence_start(para, s)) != sentence:
            sentence, found = start, known
    return found


def _person_at_end(subject: str, names: list[re.Match[str]], ctx: _Ctx) -> _Speaker | None:
    """The name that ends a subject clause, or a name followed by a role apposition that ends it."""
    for m in names:
        rest = subject[m.end() :].rstrip(" ,")
        if not rest.startswith(", "):
            continue
        parsed = role_after_name(rest)
        if parsed and parsed[2] >= len(rest) - 1:
            speaker = _speaker_from_name(m.group(0), subject[: m.start()], (parsed[0], parsed[1]), ctx)
            if speaker and speaker.person:
                return speaker
    if names and not subject[names[-1].end() :].strip(" ,"):
        m = names[-1]
        speaker = _speaker_from_name(m.group(0), subject[: m.start()], None, ctx)
        if speaker:
            return speaker
    # "John Smith, 45, a teacher from Leeds": a clause that opens with a full name and an apposition.
    if names and names[0].start() == 0 and subject.startswith(", ", names[0].end()):
        first = _clean_name(names[0].group(0))
        if looks_like_person(first) and not _VERB.search(subject):
            return _speaker_from_name(names[0].group(0), "", None, ctx)
    return None


def _speaker_from_name(
    raw: str, before: str, role: tuple[str, str | None] | None, ctx: _Ctx
) -> _Speaker | None:
    org, title, rest = _split_run_role(raw)
    name = _clean_name(rest)
    if not name:
        return None
    company = _canonical_company(name, ctx)
    if company and name not in ctx.people:
        return _Speaker(orgs=(company,))
    if " " not in name:
        known = ctx.person_by_surname(name)
        if known is None and raw.split(" ", 1)[0].lower().rstrip(".") in HONORIFICS and name[0].isupper():
            known = ctx.remember_person(name, role)  # "Mr. Smith said": a person, known by surname only
        if known is None:
            return None
        return _Speaker(person=_Person(known.name, *(role or (known.role, known.org))))
    if not looks_like_person(name):
        if any(w in _ORG_WORDS for w in name.lower().split()):
            return _Speaker(orgs=(name,))  # "the Defence Ministry said"
        return None
    if role is None:
        role = _run_role(title, org, before) if title else role_before_name(before)
    person = ctx.remember_person(name, role)
    return _Speaker(person=_Person(person.name, *(role or (person.role, person.org))))


# ---------------------------------------------------------------- quotes

_PREV_ATTRIBUTION_END = re.compile(
    rf"\b(?:{SPEECH_VERBS})(?:\s+(?:in a statement|the following|this|as follows))?\s*[:,]?\s*$"
)
_RELEASE_INTRO = re.compile(r"(?:press release|statement|announcement|blog post)\s*:?\s*$", re.IGNORECASE)


@dataclass
class _Quotes:
    quotes: list[QuoteFact] = field(default_factory=list)
    org_quotes: list[OrgQuoteFact] = field(default_factory=list)

    def add_person(self, ctx: _Ctx, person: _Person, text: str, para: int, style: str) -> None:
        if len(text.split(None, 3)) < 3:  # fewer than three words
            return
        key = person_key(person.name)
        for q in self.quotes:
            if person_key(q.speaker) == key and same_quote(q.text, text):
                return
        self.quotes.append(QuoteFact(person.name, text, para, person.role, person.org, style))
        ctx.last_person = (para, person.name)

    def go_on(self, person: _Person, text: str, para: int) -> None:
        """The rest of the person's last quotation, after the words that interrupt it."""
        last = self.quotes[-1] if self.quotes else None
        same = last is not None and person_key(last.speaker) == person_key(person.name)
        if last is not None and same and last.paragraph == para:
            self.quotes[-1] = replace(last, text=f"{last.text}, {text}")

    def add_org(self, orgs: tuple[str, ...], text: str, para: int) -> None:
        if not orgs or len(text.split(None, 2)) < 2:
            return
        for q in self.org_quotes:
            if same_quote(q.text, text):
                return
        self.org_quotes.append(OrgQuoteFact(orgs, text, para))


def _pre_attribution(tail: str, para: int, text: str, at: int, ctx: _Ctx) -> _Speaker | None:
    """The speaker named in the clause right before a quotation ("Jane Doe, CEO of Acme, said: ")."""
    verbs = list(_VERB.finditer(tail, max(0, len(tail) - 120)))
    if not verbs:
        return None
    verb = verbs[-1]
    gap = tail[verb.end() :].strip()
    if any(c in gap for c in _QUOTE_MARKS):
        return None
    if verb.group(0).lower() == "according to":
        return parse_subject(gap.rstrip(" ,:"), para, text, at, ctx) if gap.endswith(",") else None
    if gap and (gap[-1] not in ",:" or len(gap.split()) > 12):
        return None
    return parse_subject(tail[: verb.start()], para, text, at, ctx)


# The subject ends the sentence, or a comma before the rest of the quotation: '"A," said Jane Doe, "b."'.
_POST_VERB_FIRST = re.compile(
    rf"\s*[,;]?\s*(?:{SPEECH_VERBS})\s+(?P<subj>[^\"“”‘’]+?)(?:[.!?;](?:\s|$)|$|,\s*(?=[\"“‘]))"
)
# A full stop inside a subject only after an abbreviation ("Mr. Smith said").
_SUBJECT_CHAR = r"(?:[^\"“”‘’.!?;]|(?<=Mr|Dr|Ms|St|Jr|Sr|Co)\.|(?<=Mrs|Inc|Ltd)\.|(?<=Prof|Corp)\.)"
_POST_SUBJECT_FIRST = re.compile(
    rf"\s*[,;]?\s*(?P<subj>{_SUBJECT_CHAR}{{1,140}}?)\s+(?:{SPEECH_VERBS})\b(?P<rest>[^\"“”‘’.!?]*)"
)
_POST_DASH = re.compile(r"\s*[—–]+\s*(?P<subj>[^\"“”‘’.!?;]+)")


# The full stop of an abbreviation or an initial, which ends no sentence: "said Dr. Jane Q. Doe".
_ABBREVIATION_DOT = re.compile(
    rf"\b(?:{'|'.join(re.escape(a) for a in sorted(_ABBREVIATIONS, key=len, reverse=True))}|[A-Z])\.(?= )"
)


def _without_dot(m: re.Match[str]) -> str:
    return m.group()[:-1] + " "


def _post_attribution(after: str, para: int, text: str, at: int, ctx: _Ctx) -> _Speaker | None:
    """The speaker named right after a quotation ("…," says Jane Doe, CEO of Acme.)."""
    # The verb-first pattern reads a copy without those full stops (the same length: same offsets).
    plain = _ABBREVIATION_DOT.sub(_without_dot, after) if ". " in after else after
    m = _POST_VERB_FIRST.match(plain)
    if m:
        subject = after[m.start("subj") : m.end("subj")]
        speaker = parse_subject(subject, para, text, at, ctx) or _subject_then_role(subject, ctx)
        if speaker:
            return speaker
    m = _POST_SUBJECT_FIRST.match(after)
    if m and len(m.group("subj").split()) <= 14:
        speaker = parse_subject(m.group("subj"), para, text, at, ctx)
        rest = m.group("rest")
        if speaker and speaker.person and not speaker.person.role and rest.startswith(", "):
            parsed = role_after_name(rest)
            if parsed:
                speaker.person.role, speaker.person.org = parsed[0], parsed[1]
        return speaker
    m = _POST_DASH.match(after)
    return _subject_then_role(m.group("subj"), ctx) if m else None


def _subject_then_role(subj: str, ctx: _Ctx) -> _Speaker | None:
    """ "Jane Doe, CEO of Acme, in a statement" -> Jane Doe with her role; "Li Wen of Canalys" -> Li Wen of
    Canalys."""
    subj = subj.strip()
    m = _NAME_RE.match(subj)
    if not m:
        return None
    parsed = role_after_name(subj[m.end() :])
    speaker = _speaker_from_name(m.group(0), "", (parsed[0], parsed[1]) if parsed else None, ctx)
    of_org = _OF_ORG.fullmatch(subj, m.end()) if parsed is None else None
    if speaker and speaker.person and of_org and not speaker.person.org:
        org = _clean_name(of_org.group("org"))
        speaker.person.org = _canonical_company(org, ctx) or org
    return speaker


def _attribute(p: str, span: tuple[int, int], para: int, ctx: _Ctx) -> tuple[_Speaker | None, str]:
    tail = p[ctx.sentence_start(para, span[0]) : span[0]]
    speaker = _pre_attribution(tail, para, p, span[0], ctx)
    if speaker:
        return speaker, "attribution before"
    if span[1] >= len(p):
        return None, ""
    quote = p[span[0] + 1 : span[1]].rstrip()
    after = p[span[1] + 1 : span[1] + 400]
    complete = quote.endswith((",", ".", "!", "?", "…")) or after.lstrip().startswith((",", "—", "–"))
    if complete and after.strip():
        speaker = _post_attribution(after, para, p, span[0], ctx)
        if speaker:
            return speaker, "attribution after"
    return None, ""


def _interrupted(p: str, said_end: int, span: tuple[int, int]) -> bool:
    """Whether only an attribution ending in a comma stands between two quotations: '"A," she said, "b."'."""
    between = p[said_end + 1 : span[0]].strip()
    return between.endswith(",") and len(between) <= 80 and not any(c in between for c in ".!?;:")


def _goes_on(p: str, para: int, said_end: int, span: tuple[int, int], text: str, ctx: _Ctx) -> bool:
    """Whether an unattributed quotation goes on with the words of the person quoted just before in the
    paragraph: '"It is a milestone," Jane Doe said. "We will open a lab next year."' It is whole sentences
    (it opens a sentence and ends one) and follows the sentence of the quotation before."""
    between = p[said_end + 1 : span[0]]
    if not between.rstrip().endswith((".", "!", "?")) or not text[:1].isupper():
        return False
    if not (text.endswith((".", "!", "?", "…")) or p[span[1] + 1 : span[1] + 2] in (".", "!", "?")):
        return False
    return ctx.sentence_start(para, span[0] - 1) <= said_end


# How a paragraph that _PREV_ATTRIBUTION_END or _RELEASE_INTRO matches ends, before its colon: checked
# first, so that the two patterns (tried at every offset) run on few paragraphs.
_INTRO_ENDINGS = (*_alternatives(SPEECH_VERBS), "in a statement", "the following", "this", "as follows")
_RELEASE_ENDINGS = ("press release", "statement", "announcement", "blog post")


def _prev_introduces(prev: str) -> bool:
    """A short paragraph that ends by introducing speech: "Jane Doe, CEO of Acme, said:"."""
    if not prev or len(prev) > 400 or prev.endswith((".", "!", "?")):
        return False
    t = prev.rstrip()
    before = t[:-1].rstrip() if t.endswith((":", ",")) else t
    if before.endswith(_INTRO_ENDINGS) and _PREV_ATTRIBUTION_END.search(prev):
        return True
    before = t[:-1].rstrip() if t.endswith(":") else t
    return before[-14:].casefold().endswith(_RELEASE_ENDINGS) and bool(_RELEASE_INTRO.search(prev))


def extract_quotes(ctx: _Ctx) -> _Quotes:
    out = _Quotes()
    carry: _Speaker | None = None  # speaker of a quotation left open at the end of a paragraph
    # A quotation that fills a paragraph and stays open, without a speaker yet: (paragraph, text). The one
    # that goes on in the next paragraph may name the speaker ('"...\n\n"...," said Jane Doe').
    unsaid: tuple[int, str] | None = None
    paragraphs = ctx.paragraphs
    for i, p in enumerate(paragraphs):
        spans = quote_spans(p) if ('"' in p or "“" in p or "‘" in p or "'" in p) else []
        prev = paragraphs[i - 1] if i else ""
        introduced = _prev_introduces(prev)
        intro_speaker: _Speaker | None = None
        if introduced:
            tail = prev[ctx.sentence_start(i - 1, len(prev) - 1) :].rstrip(" :")
            intro_speaker = _pre_attribution(tail, i - 1, prev, len(prev), ctx)
        if introduced and not (spans and spans[0][0] <= 1):
            if intro_speaker and intro_speaker.person:
                out.add_person(ctx, intro_speaker.person, p, i, "attribution line above")
            elif intro_speaker:
                out.add_org(intro_speaker.orgs, p, i)
            elif _RELEASE_INTRO.search(prev):
                out.add_org(_recent_companies(ctx, i, p[: ctx.bounds[i][0][1]], 2), p, i)
            carry = None
            continue
        next_carry: _Speaker | None = None
        said_before: tuple[int, _Speaker] | None = None  # (end, speaker) of the last person's quotation here
        opened, unsaid = unsaid, None
        for span in spans:
            text = p[span[0] + 1 : span[1]].strip().rstrip(",").strip()
            speaker, where = _attribute(p, span, i, ctx)
            if said_before is not None and said_before[1].person is not None and text[:1].islower():
                # '"We are ready," she said, "and demand is strong."': one quotation, interrupted.
                before = said_before[1].person
                same = speaker is None or (speaker.person is not None and speaker.person.name == before.name)
                if same and _interrupted(p, said_before[0], span):
                    out.go_on(before, text, i)
                    continue
            if speaker is None and span[0] <= 1:
                if carry is not None:
                    speaker, where = carry, "continued from the paragraph before"
                elif intro_speaker is not None:
                    speaker, where = intro_speaker, "attribution line above"
            if speaker is None and said_before and _goes_on(p, i, said_before[0], span, text, ctx):
                speaker, where = said_before[1], "continued"
            if speaker is None:
                if span[0] <= 1 and span[1] >= len(p):
                    unsaid = (i, text)
                continue
            if opened and span[0] <= 1 and opened[0] == i - 1:
                if speaker.person:
                    out.add_person(ctx, speaker.person, opened[1], i - 1, "continued in the paragraph after")
                else:
                    out.add_org(speaker.orgs, opened[1], i - 1)
            opened = None
            if speaker.person:
                said_before = (span[1], speaker)
                out.add_person(ctx, speaker.person, text, i, where)
            else:
                out.add_org(speaker.orgs, text, i)
            if span[1] >= len(p):
                next_carry = speaker
        carry = next_carry
    return out


# ---------------------------------------------------------------- companies and products

_STRICT_COMPANY_NOUN = (
    r"(?:maker|manufacturer|company|firm|giant|brand|retailer|carrier|operator|vendor|supplier|chipmaker|"
    r"startup|start-up|conglomerate|subsidiary|provider|group)"
)
# The words between hold no speech verb: not "in Oslo, Acme's CEO said the company".
_APPOSITION_AFTER = re.compile(
    rf",\s+(?:the|a|an|[{_UP}]\w+['’]s)\s+(?:(?!{_SPEECH_VERB}\b)[\w'’-]+\s+){{0,7}}?"
    rf"{_STRICT_COMPANY_NOUN}\b(?!['’])"
)
_POSSESSIVE_AFTER = re.compile(
    r"['’]s\s+(?:(?:[\w-]+\s+){0,3}?(?:phones?|smartphones?|handsets?|devices?|chips?|processors?|flagships?|"
    r"partnerships?|deals?|brand|shares|stock|CEO|chief|spokes\w+|board|headquarters|subsidiary|products|"
    r"lineup|platform|software)\b(?!\s+(?:maker|manufacturer|vendor|market|brand|company|firm|giant|industry|"
    r"sales|users?|buyers))|(?:new\s+|latest\s+|upcoming\s+|current\s+)?(?:[A-Z][a-z]+\s+)?[A-Z]{0,3}\d)"
)
_MODEL_AFTER = re.compile(
    r" ([0-9]{1,4}[A-Za-z]{0,2})(?![\w-])"
    r"((?: (?:Pro|Ultra|Plus|Max|Mini|Lite|Edge|Note|Neo|Prime|Gen [0-9]+|\+))*)"
)
_SPACE_DIGIT = frozenset(f" {d}" for d in range(10))
_DIGIT = re.compile("[0-9]")
_MODEL_TOKEN = re.compile(r"[A-Z]{1,3}[0-9]{1,4}[A-Za-z]{0,2}")
_YEAR_TOKEN = re.compile(r"(?:19|20)[0-9][0-9]")
_UNIT_TOKEN = re.compile(r"[0-9]+(?:mp|mm|gb|tb|mb|hz|ghz|mhz|k|g|x|s|th|st|nd|rd|m|bn|w|mah|am|pm)", re.I)


@lru_cache(maxsize=65536)
def _company_shaped(name: str) -> bool:
    """A name that can be a company's: not a number, a function word, a month, a role or a legal form alone
    ("Inc" of "Acme, Inc.")."""
    tokens = name.split()
    if not tokens or len(name) < 2 or tokens[0][0].isdigit():
        return False
    if len(tokens) == 1:
        word = tokens[0].rstrip(".")
        if tokens[0].lower() in STOP_CAPS or word.lower() in _MONTHS or word in _LEGAL_CASED:
            return False
    return not any(t.lower().rstrip(".") in ROLE_WORDS for t in tokens)


def _valid_company(name: str, ctx: _Ctx) -> bool:
    if not _company_shaped(name):
        return False
    if not ctx.people:
        return True
    return name not in ctx.surnames and person_key(name) not in ctx.people_by_key


@lru_cache(maxsize=65536)
def _trim_company(raw: str) -> str:
    """A company name without leading function words or a trailing role ("Acme CEO" -> "Acme")."""
    org, title, rest = _split_run_role(_clean_name(raw))
    name = (org or "") if title else rest
    return _after_company_noun(name) or name


def _without_legal_suffix(name: str) -> str:
    """ "Acme Widgets Ltd" -> "Acme Widgets": the same company, as articles often write it."""
    tokens = name.split()
    while len(tokens) > 1 and (tokens[-1].rstrip(".") in _LEGAL_CASED or tokens[-1] in ("&", "and")):
        tokens.pop()
    return " ".join(tokens)


def _is_legal_run(run: str) -> bool:
    tokens = run.split()
    if len(tokens) < 2:
        return False
    last = tokens[-2] if tokens[-1].startswith("(") and len(tokens) > 2 else tokens[-1]
    return last.rstrip(".") in _LEGAL_CASED


def find_companies(ctx: _Ctx) -> None:
    """Capitalised names that the text itself marks as companies."""
    for i, p in enumerate(ctx.paragraphs):
        handles = "@" in p
        for s, e, run, (_person, _title, _org, name, personish, legal, _model, _months) in ctx.runs[i]:
            if not name or (handles and run[0] == "@"):
                continue
            cue = legal
            prev = ""
            if not cue and s > 1:
                # _word_before(p, s), inline: this runs for nearly every run (most often after one space)
                j = s - 1 if p[s - 1] == " " else s
                while j > 0 and p[j - 1] in _SKIP_BEFORE_WORD:
                    j -= 1
                prev = p[p.rfind(" ", j - 30 if j > 30 else 0, j) + 1 : j].lower()
                cue = prev in _COMPANY_NOUNS and not (personish and prev in _PERSONISH_NOUNS)
            if not cue and not personish:
                nxt = p[e : e + 1]
                if nxt == ",":
                    cue = bool(_APPOSITION_AFTER.match(p, e))
                elif nxt in ("’", "'"):
                    cue = bool(_POSSESSIVE_AFTER.match(p, e))
                elif prev in ("from", "by"):
                    thing = _word_before(p, s - len(prev) - 1)
                    cue = thing in _PRODUCT_NOUNS or thing in _MODEL_WORDS or any(c.isdigit() for c in thing)
            if cue and _valid_company(name, ctx):
                ctx.add_company(name, i)
    for person in ctx.people.values():
        if person.org:
            org = _trim_company(person.org)
            if org and _valid_company(org, ctx):
                ctx.add_company(org, 0)


def find_products(ctx: _Ctx) -> dict[str, int]:
    """Brand + model number ("Acme X5 Pro", "Foo Bar 12 Ultra") and "the X5 series"."""
    products: dict[str, int] = {}
    for i, p in enumerate(ctx.paragraphs):
        for s, e, run, data in ctx.runs[i]:
            model_at = data[6]
            if model_at < 0 and p[e : e + 2] not in _SPACE_DIGIT:
                if p[e : e + 1] == "-" and p[e + 1 : e + 2].isdigit():
                    name = _hyphenated_product(p, e, run)
                    if name and name not in products:
                        products[name] = i
                continue  # a run with a model number, or one followed by a number (as _MODEL_AFTER needs)
            name = _product_from_run(p, s, e, run, model_at, ctx)
            if name and name not in products:
                products[name] = i
    return products


def fold_products(products: dict[str, int], ctx: _Ctx) -> dict[str, int]:
    """One product for "<Maker> CM1" and "<Series> CM1" in one article: two names with the same model
    words, the first word of one a known company and of the other not, are the series' name."""
    by_model: dict[str, list[str]] = {}
    for name in products:
        brand, _, model = name.partition(" ")
        if model and " " not in brand:
            by_model.setdefault(model, []).append(name)
    folded = dict(products)
    for names in by_model.values():
        makers = [n for n in names if _canonical_company(n.partition(" ")[0], ctx)]
        if len(names) == 2 and len(makers) == 1:
            maker, series = makers[0], next(n for n in names if n != makers[0])
            folded[series] = min(folded[series], folded.pop(maker))
    return folded


def _model_index(run: str) -> int:
    """Index of the first model-number token of a run ("Acme X5 Pro" -> 1), or -1."""
    if not _DIGIT.search(run):
        return -1
    return next((k for k, t in enumerate(run.split()) if _MODEL_TOKEN.fullmatch(t)), -1)


# The rest of a hyphenated model code: "WH" + "-1000XM5", "WR" + "-200".
_CODE_REST = re.compile(r"-[0-9]{1,5}[A-Za-z0-9]{0,4}(?![\w-])")


def _hyphenated_product(p: str, e: int, run: str) -> str | None:
    """ "Acme WR-200", "the WR-200 phone": a run whose last word is a code's letters, a hyphen and digits;
    with a maker's name before the code or a product noun after it ("COVID-19" and "F-35" are neither)."""
    rest = _CODE_REST.match(p, e)
    tokens = run.split()
    if rest is None or not tokens[-1].isupper() or len(tokens[-1]) > 4:
        return None
    brand = _brand(tuple(tokens[:-1])) if len(tokens) > 1 else None
    after = [word.rstrip(",.;:!?") for word in p[rest.end() : rest.end() + 40].split()]
    suffix = list(takewhile(_MODEL_SUFFIXES.__contains__, after))
    noun = after[len(suffix)].lower() if len(after) > len(suffix) else ""
    if brand is None and not suffix and noun not in _PRODUCT_NOUNS:
        return None
    return " ".join([*(brand or ()), tokens[-1] + rest.group(), *suffix])


def _product_from_run(p: str, s: int, e: int, run: str, model_at: int, ctx: _Ctx) -> str | None:
    if s > 1 and p[s - 2].isdigit():
        return None  # "8 Plus Gen 1": the words after a model number belong to it
    tokens = run.split()
    if model_at == 0 and len(tokens) == 1 and p.startswith(" series", e):
        owner = _word_before(p, s)
        if owner.endswith(("’s", "'s")):
            maker = p[s - len(owner) - 1 : s - 1].strip()[:-2]
            if _canonical_company(maker, ctx):
                return f"{maker} {run} series"
        return f"{run} series"
    if model_at == 0:
        return None
    brand = _brand(tuple(tokens[:model_at] if model_at > 0 else tokens[-2:]))
    if brand is None:
        return None
    if model_at > 0:
        model, suffix = tokens[model_at], tokens[model_at + 1 :]
        suffix = suffix[: next((k for k, t in enumerate(suffix) if t not in _MODEL_SUFFIXES), len(suffix))]
    else:
        m = _MODEL_AFTER.match(p, e)
        if not m:
            return None
        model, suffix = m.group(1), m.group(2).split()
        if _YEAR_TOKEN.fullmatch(model) or _UNIT_TOKEN.fullmatch(model):
            return None
        if model.isdigit() and len(model) < 2 and len(tokens) == 1 and not suffix:
            after = p[m.end() : m.end() + 20].split(None, 1)
            if not after or after[0].lower().rstrip(",.") not in _PRODUCT_NOUNS:
                return None  # "Acme 3" is no product, "the Acme 3 phone" and "the Acme 3 Pro" are
    if len(brand) == 2 and _valid_company(brand[0], ctx):
        ctx.add_company(brand[0], 0)  # "Maker Line 12": a product line after a name names its maker
    return " ".join([*brand, model, *suffix])


@lru_cache(maxsize=65536)
def _brand(words: tuple[str, ...]) -> tuple[str, ...] | None:
    """The maker's words before a model number without leading function words ("The Acme" -> "Acme"), or
    None when they cannot name one (a month, a function word, a counted noun: "Article 5")."""
    k = 0
    while k < len(words) and words[k].lower() in STOP_CAPS:
        k += 1
    brand = words[k:]
    if not brand or any(t.lower().rstrip(".") in _MONTHS or t.lower() in STOP_CAPS for t in brand):
        return None
    if brand[-1].lower() in _COUNT_NOUNS:
        return None
    return brand


def index_companies(ctx: _Ctx) -> dict[str, int]:
    """Every occurrence of the known companies (also in capitals); group the surfaces of one company."""
    body, offsets = ctx.body, ctx.offsets
    for name in list(ctx.companies):
        short = _without_legal_suffix(name)
        if short != name:
            ctx.companies.setdefault(short, ctx.companies[name])
    variants = [v for name in ctx.companies for v in ((name,) if name.isupper() else (name, name.upper()))]
    hits = _name_hits(body, variants)
    first: dict[str, int] = {}
    counts: dict[str, int] = {}
    last_end = -1
    for j, neg, surface in hits:
        if j < last_end:
            continue
        last_end = j - neg
        i = bisect_right(offsets, j) - 1
        first.setdefault(surface, i)
        counts[surface] = counts.get(surface, 0) + 1
        ctx.company_hits.append((i, j - offsets[i], surface))
        ctx.hits_by_para[i].append((j - offsets[i], surface))
        ctx.companies.setdefault(surface, i)
    names = [(n, "company", counts.get(n, 1)) for n in sorted(ctx.companies)]
    ctx.canon = {surface: canon for (surface, _kind), canon in group_names(names).items()}  # type: ignore[arg-type]
    return first


def _mentions(companies: dict[str, int], ctx: _Ctx, products: dict[str, int]) -> list[MentionFact]:
    out = [MentionFact(name, "company", i) for name, i in companies.items()]
    for person in ctx.people.values():
        surname = person.name.rsplit(" ", 1)[-1]  # (in every paragraph that holds the full name)
        para = next((i for i, p in enumerate(ctx.paragraphs) if surname in p), 0)
        out.append(MentionFact(person.name, "person", para))
    out.extend(MentionFact(name, "product", i) for name, i in products.items())
    out.sort(key=attrgetter("paragraph", "kind", "name"))
    return out


def _handle_words(handle: str) -> str:
    """ "@acme_widgets" / "@AcmeWidgets" -> "acme widgets"."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", handle.lstrip("@"))
    return spaced.replace("_", " ").lower()


@lru_cache(maxsize=65536)
def _company_key_word(name: str) -> str:
    """company_key(name) followed by a space (a prefix of longer keys)."""
    return company_key(name) + " "


def _canonical_company(name: str, ctx: _Ctx) -> str | None:
    """The article's name for a company mentioned as `name`, or None when it is not a known company."""
    name = name if name.startswith("@") else _trim_company(name)
    if not name:
        return None
    known = ctx.known_company(name)
    return ctx.canonical(known) if known else None


# ---------------------------------------------------------------- dates

_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_YEAR = r"(?:19|20)[0-9][0-9]"
# Matched at a day number or at a month name: the anchors are found with plain string tests first.
_DATE_AT_DAY = re.compile(
    rf"([0-9]{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH})(?:,?\s+\[?({_YEAR})\]?)?(?![\w])"
)
_DATE_AT_MONTH = re.compile(
    rf"({_MONTH})\s+([0-9]{{1,2}})(?:st|nd|rd|th)?(?:,\s+({_YEAR}))?(?![0-9])"
    rf"|({_MONTH})(?:\s+(?:of\s+)?({_YEAR})(?![0-9])|\s+(this|next|last)\s+year)?"
    r"(?![\w])"
)
_YEAR_START = re.compile(r"(?:19|20)[0-9][0-9]")
_DAY_BEFORE = re.compile(r"(?<![\w$£€.,:/-])[0-9]{1,2}(?:st|nd|rd|th)? $")
_DAY_ENDS = frozenset("0123456789tdh")
_NOT_BEFORE_DATE = frozenset("$£€.,:/-_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_PREPOSITIONS = frozenset(
    "in on since by until from during through before after early late mid".split()  # noqa: SIM905
)
_PERIODS = frozenset("fall autumn spring summer winter end start beginning middle half".split())  # noqa: SIM905


def _preposition_start(text: str, pos: int) -> int | None:
    """Start of "in " / "on " / "in the fall of " right before pos, or None."""
    if text[pos - 1 : pos] != " ":
        return None
    start = text.rfind(" ", max(0, pos - 40), pos - 1) + 1
    word = text[start : pos - 1]
    if word.isalpha() and word != "of":  # the common case, without splitting the words before
        return start if word.lower() in _PREPOSITIONS else None
    words = text[max(0, pos - 40) : pos].split()
    k = len(words) - 1
    if k >= 1 and words[k] == "of" and words[k - 1].lower() in _PERIODS:
        k -= 2
        if k >= 0 and words[k].lower() in ("first", "second"):
            k -= 1
        if k >= 0 and words[k].lower() == "the":
            k -= 1
    if k < 0 or words[k].lower() not in _PREPOSITIONS:
        return None
    return pos - 1 - len(" ".join(words[k:]))


_RELATIVE_YEAR = {"this": 0, "last": -1, "next": 1}
# The year of "last / this / next <month>" from the publication's year: a shift, given (month, its month).
_RELATIVE_MONTH: dict[str, Callable[[int, int], int]] = {
    "last ": lambda month, pub_month: -1 if month >= pub_month else 0,
    "this ": lambda month, pub_month: 0,
    "next ": lambda month, pub_month: 1 if month <= pub_month else 0,
}
# The kinds of place where a date can start.
_YEAR_ANCHOR, _DAY_ANCHOR, _MONTH_ANCHOR, _RELATIVE_ANCHOR = range(4)


def find_dates(text: str, published: str | None) -> list[tuple[int, int, str]]:
    """(start, end, ISO date) of each date expression; relative ones resolved against `published`."""
    years = [m.start() for m in _YEAR_START.finditer(text)] if ("19" in text or "20" in text) else []
    return _dates_at(text, years, list(_month_offsets(text)), published)


def _year_of(published: str | None) -> int | None:
    return int(published[:4]) if published and published[:4].isdigit() else None


def _dates_at(
    text: str, years: list[int], months: list[int], published: str | None
) -> list[tuple[int, int, str]]:
    """find_dates, given where _YEAR_START matches in text and where month names start (_month_offsets)."""
    pub_year = _year_of(published)
    # Anchors: a year (19xx/20xx), a month name, a day number right before a month name, "this year".
    anchors: list[tuple[int, int]] = []
    for a in years:
        if not (a and text[a - 1] in _NOT_BEFORE_DATE) and not text[a + 4 : a + 5].isalnum():
            anchors.append((a, _YEAR_ANCHOR))
    for a in months:
        if a and text[a - 1].isalnum():
            continue
        # A day number ends with a digit or an ordinal suffix (5th) and a space.
        day_at = _DAY_BEFORE.search(text, max(0, a - 8), a) if a > 1 and text[a - 2] in _DAY_ENDS else None
        anchors.append((day_at.start(), _DAY_ANCHOR) if day_at else (a, _MONTH_ANCHOR))
    if pub_year is not None:
        j = text.find(" year")
        while j != -1:
            if text[j - 1 : j] in ("s", "t", "S", "T"):  # this, last, next
                word = text[max(0, j - 5) : j].rsplit(" ", 1)[-1].lower()
                after = text[j + 5 : j + 7]
                if word in _RELATIVE_YEAR and not after[:1].isalnum() and not after[1:2].isupper():
                    anchors.append((j - len(word), _RELATIVE_ANCHOR))
            j = text.find(" year", j + 1)
    anchors.sort()
    out: list[tuple[int, int, str]] = []
    last_end = -1
    for pos, kind in anchors:
        if pos < last_end:
            continue
        if kind == _RELATIVE_ANCHOR:
            out.append((pos, pos + 9, str(pub_year + _RELATIVE_YEAR[text[pos : pos + 4].lower()])))  # type: ignore[operator]
            last_end = pos + 9
            continue
        if kind == _YEAR_ANCHOR:
            # A year alone is a date after a preposition ("in 2016"), not in "2016 models" or "2020%".
            if text[pos + 4 : pos + 5] not in ("_", "%"):
                pre = _preposition_start(text, pos)
                if pre is not None:
                    out.append((pre, pos + 4, text[pos : pos + 4]))
                    last_end = pos + 4
            continue
        if kind == _DAY_ANCHOR:
            found = _DATE_AT_DAY.match(text, pos)
            if not found:
                continue
            day, month_name, year = found.groups()
            rel = None
        else:
            found = _DATE_AT_MONTH.match(text, pos)
            if not found:
                continue
            month_name, day, year, month3, year3, rel = found.groups()
            month_name, year = month_name or month3, year or year3
            before = text[max(0, pos - 5) : pos].lower()
            if before in _RELATIVE_MONTH and not (day or year or rel) and published and len(published) >= 7:
                # "last October": the last one before the publication (this one, the next one after it).
                month, pub_month = _MONTHS[month_name.lower().rstrip(".")], int(published[5:7])
                shift = _RELATIVE_MONTH[before](month, pub_month)
                out.append((pos - 5, found.end(), f"{pub_year + shift:04d}-{month:02d}"))  # type: ignore[operator]
                last_end = found.end()
                continue
        pre = _preposition_start(text, pos)
        date = _resolve_date(month_name, day, year, rel, pub_year, pre is not None)
        if date:
            out.append((pos if pre is None else pre, found.end(), date))
            last_end = found.end()
    return out


def _month_offsets(text: str) -> tuple[int, ...]:
    """Where a month name starts in text (a whole word, not right after a letter or digit)."""
    if not _MONTH_START.search(text):
        return ()
    out = []
    for m in _MONTH_START.finditer(text):
        a = m.start()
        if a and text[a - 1].isalnum():
            continue
        b = a + 3
        while b < len(text) and text[b].isalpha():
            b += 1
        if text[a:b].lower() in _MONTHS:
            out.append(a)
    return tuple(out)


@lru_cache(maxsize=65536)
def _resolve_date(
    month_name: str,
    day: str | None,
    year_s: str | None,
    rel: str | None,
    pub_year: int | None,
    preposition: bool,
) -> str | None:
    month = _MONTHS[month_name.lower().rstrip(".")]
    if year_s:
        year = int(year_s)
    elif pub_year is None or not (day or preposition or rel):
        return None
    else:
        year = pub_year + _RELATIVE_YEAR[(rel or "this").lower()]
    if month_name == "May" and not (day or year_s or preposition):
        return None
    if day:
        return f"{year:04d}-{month:02d}-{int(day):02d}" if 1 <= int(day) <= 31 else None
    return f"{year:04d}-{month:02d}"


# A dateline: its place ("SAN JOSE, Calif., "), its date, an agency's credit and a dash ("/PRNewswire/ --").
_PLACE = rf"(?:[{_UP}][\w.'’-]*(?:[ -][{_UP}][\w.'’-]*){{0,3}},\s+){{1,2}}"
_FULL_DATE = rf"(?:[0-9]{{1,2}}\s+{_MONTH}|{_MONTH}\s+[0-9]{{1,2}},?)\s+{_YEAR}"
DATELINE = re.compile(
    rf"{_PLACE}(?P<date>{_FULL_DATE})\s*(?:/[^/]{{1,40}}/\s*)?(?:\([^)]{{1,40}}\)\s*)?(?:--|[.:–—-])"
)
# A sentence that is only a dateline ("Wetzlar, 23 May 2022."); a dateline's place (which makes no event).
_DATELINE_ONLY = re.compile(rf"{_PLACE}{_FULL_DATE}\.?\s*")
_DATELINE_PLACE = re.compile(rf"\s*{_PLACE}")

# ---------------------------------------------------------------- partnerships

_PARTNER_NOUNS = (
    "partnership", "cooperation", "co-operation", "collaboration", "alliance", "deal", "agreement", "tie-up",
    "joint venture", "pact",
)  # fmt: skip
_PARTNER_NOUN = rf"(?:{'|'.join(f'{noun}s?' for noun in _PARTNER_NOUNS)})"
# What a company does to a deal, as a verb's stem: the verb after a subject that makes one ("Acme has
# announced ..."), and (with more) what two companies named together do to one (see _NAME_LED).
_DEAL_STEMS = (
    "announc|unveil|sign|confirm|reveal|agree|enter|form|launch|struck|strike|seal|clinch|ink|expand|extend|"
    "renew|forg|in talks|plan|seek|want|aim|hope|consider|explor|negotiat|discuss|"
    r"end(?:s|ed|ing)?\b|terminat|dissolv|scrap|cancel"
)
# Cue words that must be in a sentence before the (costlier) pair patterns are tried on it.
_KEY_GROUPS: tuple[tuple[str, ...], ...] = (
    ("partner", " team", " tie", " tying", " join", " sign", "allie", " ally"),
    (" work", "laborat", "operat"),
    (" enlist", " tap", " court", " hire", " pick", " select", " chose", " choos", " sign"),
    ("partner", "operat", "laborat", "allian", " deal", "agreement", " tie-up", "venture", " pact",
     " jointly"),
    # _BRANDED needs the dash: "Acme-branded".
    ("-branded", "-sporting", "-equipped", "-powered", "-tuned", "-certified", "-engineered", "-designed"),
)
_VERBS, _WEAKS, _OBJECTS, _NOUNS, _BRANDS = range(5)
_GROUPS_OF: dict[str, frozenset[int]] = {
    key: frozenset(g for g, keys in enumerate(_KEY_GROUPS) if key in keys)
    for keys in _KEY_GROUPS
    for key in keys
}
# The keys that start with a space or a dash are found by two patterns (each starts with a literal, which
# is searched for fast); each other key by a string search of its own. Longest first: a match can hold a
# shorter key too (" tie-up" is " tie" as well), so a match stands for every key it starts with.
_KEY_PATTERNS = [
    re.compile(re.escape(lead) + _prefix_tree(k[1:] for k in _GROUPS_OF if k[0] == lead)) for lead in " -"
]
_MATCH_GROUPS: dict[str, frozenset[int]] = {
    m: frozenset().union(*(gs for k, gs in _GROUPS_OF.items() if m.startswith(k)))
    for m in _GROUPS_OF
    if m[0] in " -"
}
_INNER_KEYS = tuple(sorted(k for k in _GROUPS_OF if k[0] not in " -"))


def _cue_groups(ctx: _Ctx) -> dict[tuple[int, int], set[int]]:
    """The kinds of cue word (indexes into _KEY_GROUPS) in each sentence that has any, by (paragraph,
    sentence)."""
    body = ctx.body
    hits = [(m.start(), _MATCH_GROUPS[m.group()]) for keys in _KEY_PATTERNS for m in keys.finditer(body)]
    for key in _INNER_KEYS:
        groups = _GROUPS_OF[key]
        j = body.find(key)
        while j != -1:
            hits.append((j, groups))
            j = body.find(key, j + 1)
    offsets, starts = ctx.offsets, ctx.starts
    out: dict[tuple[int, int], set[int]] = {}
    for j, groups in hits:
        i = bisect_right(offsets, j) - 1
        sentence = (i, max(0, bisect_right(starts[i], j - offsets[i]) - 1))
        if sentence in out:
            out[sentence] |= groups
        else:
            out[sentence] = set(groups)
    return out


_STRONG_VERB = (
    r"(?:partner(?:ed|s|ing)?|team(?:ed|s|ing)?\s+up|tie[sd]?\s+up|tying\s+up|join(?:ed|s)?\s+forces|"
    r"join(?:ed|s)?\s+hands|sign(?:ed|s)?\s+(?:a\s+|an\s+)?(?:[\w-]+\s+){0,3}?(?:deal|agreement|contract|pact)|"
    r"allied|ally|allies)"
)
_WEAK_VERB = r"(?:work(?:ed|s|ing)?|collaborat(?:e|ed|es|ing)|co-?operat(?:e|ed|es|ing))"
_THE = r"(?:the\s+)?"
_AUX = (
    r"(?:(?:has|have|had|is|are|was|were|will|would|previously|recently|also|now|officially|reportedly|"
    r"already|first|initially|originally|formerly|used\s+to|just|once|closely|"
    r"(?:agree[sd]?|plan(?:s|ned)?|decided|aim(?:s|ed)?|intend(?:s|ed)?|set)\s+to)\s+){0,3}"
)
# Patterns that follow a name (tried only where a capitalised run ends): (keys, pattern, strong, a word
# the pattern needs in the sentence). Each needs a space or an apostrophe right after the name, where a
# run cannot go on, so the name is the run. A strong cue makes both names companies; a weak one needs
# both known as companies already.
# What two companies named together do to a partnership noun that makes it theirs ("A and B announce a
# strategic cooperation", "A and B have a deal"; not "A and B shares rose after the deal").
_DEAL_VERB = (
    rf"(?:{_DEAL_STEMS}|ha[sdv]|reach|team|beg[au]n|start|establish|set|creat|build|built|cement|deepen|"
    r"strengthen|broaden|continu|embark|are|were|is|was|will|to|part)"
)
# The partner after "with": "with B", "with the B", "with Korean supplier B".
_PARTNER_NAMED = rf"(?:{_DESCRIBED}|{_THE})(?P<b>{ORGNAME})"
# What the second company of "A and B" may be called before its name: "and battery maker B".
_MAKER = r"(?:maker|manufacturer|company|firm|giant|brand|specialist|group)"
# After the name, its verb or a relative clause that the name is the subject of: "A, which partnered with B".
_RELATIVE = r"(?:,\s+which\s+|\s+)"
_NAME_LED: list[tuple[int, re.Pattern[str], bool, str]] = [
    (_VERBS, re.compile(rf"{_RELATIVE}{_AUX}{_STRONG_VERB}\s+with\s+{_PARTNER_NAMED}"), True, "with"),
    (
        _NOUNS,  # "A and B said they would jointly develop batteries" (with the "A and B" patterns)
        re.compile(
            rf"\s+(?:and|&)\s+(?:(?:[\w-]+\s+){{0,4}}?{_MAKER}\s+)?(?P<b>{ORGNAME})\s+(?:[^.;:!?\"“”]{{0,60}}?\s)?"
            r"jointly\s+(?:develop|build|produce|make|manufacture|design|launch|invest|run|operate|own|market)"
        ),
        True,
        "jointly",
    ),
    (_WEAKS, re.compile(rf"{_RELATIVE}{_AUX}{_WEAK_VERB}\s+with\s+{_PARTNER_NAMED}"), False, "with"),
    (
        _OBJECTS,
        re.compile(
            rf"\s+{_AUX}(?:enlist(?:s|ed)?|tap(?:s|ped)?|court(?:s|ed)?|hire[sd]?|pick(?:s|ed)?|"
            # "chosen" only after "has": "A was chosen Supplier of the Year" is no choice of A's
            rf"select(?:s|ed)?|chose|(?:(?<=has |had )|(?<=have ))chosen|choose[s]?|sign(?:s|ed)?)\s+"
            rf"(?P<b>{ORGNAME})"
        ),
        True,
        "",
    ),
    (
        _NOUNS,  # "A is in talks with B about a partnership" (a rumour: see _RUMOUR_CUE)
        re.compile(
            rf"\s+{_AUX}(?:(?:said|reported|understood)\s+to\s+be\s+)?in\s+(?:advanced\s+|early\s+)?talks\s+"
            rf"with\s+{_THE}(?P<b>{ORGNAME})\s+(?:about|over|on|for)\s+(?:a|an|the)\s+(?:[\w-]+\s+){{0,3}}?"
            rf"{_PARTNER_NOUN}\b"
        ),
        True,
        "talks",
    ),
    (
        _NOUNS,
        re.compile(
            rf"['’]s\s+(?:[\w-]+\s+){{0,3}}?{_PARTNER_NOUN}\s+(?:[\w-]+\s+){{0,3}}?"
            rf"with\s+(?:the\s+)?(?P<b>{ORGNAME})"
        ),
        True,
        "with",
    ),
    (
        _NOUNS,
        re.compile(
            rf"\s+(?:and|&)\s+(?:(?:[\w-]+\s+){{0,4}}?{_MAKER}\s+)?(?P<b>{ORGNAME})(?:['’]s)?\s+"
            rf"(?:(?:[^.;:!?\"“”]{{0,60}}?\s)?{_DEAL_VERB}\w*\s+(?:[^.;:!?\"“”]{{0,60}}?\s)?)?{_PARTNER_NOUN}\b"
        ),
        True,
        "",
    ),
]
# "A and B teamed up to ...", "A, B and battery maker C agreed to partner on ...", "A and B have been partners
# since": tried where a name ends; every two companies of the list are partners (not "A and B partnered with
# C": see _NAME_LED; not "A and B are partners at a law firm": people).
_PARTNERED_TOGETHER = re.compile(
    rf"(?P<rest>(?:,\s+{ORGNAME})*),?\s+(?:and|&)\s+(?:(?:[\w-]+\s+){{0,4}}?{_MAKER}\s+)?(?P<b>{ORGNAME})\s+"
    rf"{_AUX}(?:been\s+|become\s+|became\s+)?(?:partner(?:ed|ing)?|partners(?!\s+(?:at|of)\b)|"
    r"team(?:ed|s|ing)?\s+up|join(?:ed|s)?\s+(?:forces|hands))\b(?!\s+with\b)"
)
# "A/B partnership": tried at the start of a run, in a sentence with a slash or a dash.
_SLASH_PAIR = re.compile(rf"(?P<a>{CAP})\s*[/–]\s*(?P<b>{CAP})\s+(?:[\w-]+\s+)?{_PARTNER_NOUN}\b")
_BETWEEN = re.compile(rf"{_PARTNER_NOUN}\s+between\s+(?P<a>{ORGNAME})\s+and\s+(?P<b>{ORGNAME})")
# "... a partnership with B": A is the company the sentence is about.
_WITH_PATTERN = re.compile(rf"{_PARTNER_NOUN}[\"”’']?\s+with\s+{_PARTNER_NAMED}")
_POSSESSIVE_BEFORE = re.compile(r"['’]s\s+(?:[\w-]+\s+){0,3}$")
_BRANDED = re.compile(
    rf"(?P<b>{CAP})(?:[- ](?:lens|lenses|optics|camera|cameras))?-(?:branded|sporting|equipped|powered|tuned|"
    rf"certified|engineered|co-engineered|designed)\s+(?:(?P<a>{CAP})\b)?"
)
_FROM_OWNER = re.compile(rf"\b(?:from|by)\s+(?P<a>{CAP})")


class _Cue:
    """A pattern of cue words, and plain strings one of which stands in every match of it. Cue patterns
    start with a word boundary or with common letters, so the engine tries them at most offsets of a text;
    a few substring tests first skip most texts."""

    def __init__(self, pattern: str, needles: Iterable[str]) -> None:
        self.pattern = re.compile(pattern)
        self.needles = tuple(needles)

    def found(self, text: str) -> bool:
        for needle in self.needles:
            if needle in text:
                return self.pattern.search(text) is not None
        return False


_DETERMINERS = ("The", "the", "This", "this", "That", "that", "Our", "our", "Their", "their", "Its", "its")
_ANAPHORIC = _Cue(
    _prefix_tree(_DETERMINERS, boundary=True) + rf"\s+(?:[\w-]+\s+){{0,2}}?{_PARTNER_NOUN}\b", _PARTNER_NOUNS
)
# A partnership of "the two companies" of the sentence: "a partnership the two firms unveiled", "the two
# companies' deal", "the agreement between the two".
_TWO = r"the two (?:companies|firms|brands|groups|makers|partners)"
_THE_TWO = _Cue(
    rf"{_PARTNER_NOUN}\s+(?:(?:that|which)\s+)?{_TWO}\b|{_TWO}['’]s?\s+(?:[\w-]+\s+){{0,2}}{_PARTNER_NOUN}"
    rf"|{_PARTNER_NOUN}\s+between\s+the\s+two\b",
    ("the two",),
)
# A sentence that goes on about the partnership of the sentence before it.
_CONTINUATION = ("It ", "This ", "The partnership", "The deal", "The tie-up", "The alliance", "The agreement")


# An announcement verb right before a date: the day the partnership was made public.
_ANNOUNCED_ON = _Cue(
    r"\b(?:announc\w*|confirm\w*|unveil\w*|signed|revealed|agreed|reached|struck|inked|said|says|stated)\b",
    ("announc", "confirm", "unveil", "signed", "revealed", "agreed", "reached", "struck", "inked", "said",
     "says", "stated"),
)  # fmt: skip
# Verbs that start a partnership, and the past tense of those that make one ("In 2023, A teamed up with B").
_START_WORDS = (
    "began", "begun", "started", "starting", "since", "dating back to", "formed", "established", "signed",
    "teamed up", "partnered", "joined forces", "tied up", "entered into", "forged", "became partners",
    "become partners",
)  # fmt: skip
_START_CUE = _Cue(_prefix_tree(_START_WORDS, boundary=True) + r"\b", _START_WORDS)
_END_WORDS = (
    "ended", "ends on", "terminated", "came to an end", "ceased", "dissolved", "expired", "parted ways",
    "was the last", "were the last", "previous", "former", "formerly", "until",
)  # fmt: skip
_END_CUE = _Cue(_prefix_tree(_END_WORDS, boundary=True) + r"\b", _END_WORDS)
# Tense and time words that put a partnership in the past, without dating its end ("A previously worked
# with B", "Initially, A worked with B", "A had partnered with B").
_PAST_CUE = _Cue(
    r"\b(?:[Pp]reviously|[Ff]ormerly|used to|no longer|"
    r"had\s+(?:\w+\s+)?(?:worked|partnered|teamed|collaborated|co-?operated|been)|"
    r"(?:[Ii]nitially|[Oo]riginally|[Aa]t first),?\s+(?:[\w'’-]+\s+){0,4}?"
    r"(?:[a-z]+ed|was|were|had|did|made|began|took|went))\b",
    ("reviously", "ormerly", "used to", "no longer", "had", "nitially", "riginally", "t first"),
)
# A range of years or dates: "from 2012 to 2015", "between May 2012 and June 2015".
_RANGE_GAP = re.compile(r"\s*([–—-]|to|until|till|through|and)\s*")
_RANGE_OPEN = ("from ", "between ")
_YEAR_AT = re.compile(rf"{_YEAR}\b")
_ANNOUNCE_CUE = _Cue(
    rf"\b(?:[Aa]nnounc\w*|[Uu]nveil\w*|[Tt]oday|recently|officially|reached|new\s+(?:[\w-]+\s+){{0,3}}{_PARTNER_NOUN})\b",
    ("nnounc", "nveil", "oday", "recently", "officially", "reached", "new"),
)
# An end bound to one partner: "..., ending its six-year partnership with C" ends the partnership with C,
# not the others the sentence names.
_ENDING_WITH = re.compile(
    rf"\b(?:ending|ended|ends|terminating|terminated|dissolving|dissolved|scrapping|scrapped)\s+"
    rf"(?:(?:its|their|a|an|the)\s+)?(?:[\w-]+\s+){{0,3}}?{_PARTNER_NOUN}\s+with\s+{_PARTNER_NAMED}"
)
_ENDING_NEEDLES = ("end", "terminat", "dissolv", "scrap")  # one stands in every match of _ENDING_WITH
_RUMOUR_CUE = _Cue(
    r"\b(?:[Rr]umou?r\w*|reportedly|allegedly|in talks|said to be|"
    r"(?:could|may|might) be (?:[a-z]+ing|in talks|close to))\b",  # not "a deal that could be worth $2bn"
    ("umor", "umour", "reportedly", "allegedly", "in talks", "said to be", "could be", "may be", "might be"),
)

# A raw pair found in a sentence: (side A, or None for "the sentence's company before pos"; side B;
# strong cue; position of the cue in the sentence).
_RawPair = tuple[str | None, str, bool, int]


# A capitalised run of a sentence: (start, end, text), offsets in the sentence.
_Run = tuple[int, int, str]


def _may_pair(sentence: str, groups: set[int]) -> bool:
    """Whether one of the patterns of _raw_pairs can match: most need "with", or "and", "&", "/" or "–"
    (the ones of _NOUNS, and "A and B teamed up")."""
    return (
        _OBJECTS in groups
        or _BRANDS in groups
        or "with" in sentence
        or (
            (_NOUNS in groups or _VERBS in groups)
            and ("and" in sentence or "&" in sentence or "/" in sentence or "–" in sentence)
        )
    )


def _raw_pairs(sentence: str, runs: list[_Run], groups: frozenset[int]) -> list[_RawPair]:
    """Pairs of names in a partnership relation, before knowing which names are companies.

    `groups` says which kinds of cue word the sentence contains (indexes into _KEY_GROUPS).
    """
    found: list[_RawPair] = []
    for group, pattern, strong, needs in _NAME_LED:
        if group in groups and needs in sentence:
            for rs, re_, run in runs:
                m = pattern.match(sentence, re_)
                if m:
                    found.append((run, m.group("b"), strong, rs))
    if _VERBS in groups:
        for rs, re_, run in runs:
            m = _PARTNERED_TOGETHER.match(sentence, re_)
            if m:
                named = [run, *(n.strip() for n in m.group("rest").split(",")[1:]), m.group("b")]
                found.extend((a, b, True, rs) for i, a in enumerate(named) for b in named[i + 1 :])
    if _NOUNS in groups and ("/" in sentence or "–" in sentence):
        for rs, _re, _run in runs:
            m = _SLASH_PAIR.match(sentence, rs)
            if m:
                found.append((m.group("a"), m.group("b"), True, m.start()))
    if _NOUNS in groups:
        if "between" in sentence:
            found.extend((m.group("a"), m.group("b"), True, m.start()) for m in _BETWEEN.finditer(sentence))
        if "with" in sentence:
            for m in _WITH_PATTERN.finditer(sentence):
                if not _POSSESSIVE_BEFORE.search(sentence, max(0, m.start() - 40), m.start()):
                    found.append((None, m.group("b"), True, m.start()))
                    subject = _sentence_subject(sentence, runs, m.start())
                    if subject:
                        found.append((subject, m.group("b"), True, m.start()))
    if _BRANDS in groups:
        for m in _BRANDED.finditer(sentence):
            a = m.group("a")
            if a is None:
                clause_start = sentence.rfind(",", 0, m.start()) + 1
                clause_end = sentence.find(",", m.end())
                end = clause_end if clause_end != -1 else len(sentence)
                owner = _FROM_OWNER.search(sentence, clause_start, end)
                a = owner.group("a") if owner else None
            if a is not None:
                found.append((a, m.group("b"), True, m.start()))
    return found


# The verb of a sentence whose subject makes a deal: "Acme has announced / signed / unveiled ...".
_MAKES_DEAL = re.compile(
    r"\s+(?:has\s+|have\s+|had\s+|will\s+|is\s+|are\s+|today\s+|officially\s+|recently\s+)*"
    r"(?:reportedly\s+|said to be\s+)?"
    rf"(?:{_DEAL_STEMS})"
)


# What may stand between a subject and its verb: "Acme, Inc. (NASDAQ: ACME), a leader in robots, announced".
_SUBJECT_TAIL = re.compile(
    r"(?:,?\s+(?:Inc|Ltd|Corp|LLC|plc|AG|SA|NV)\.?(?=[,\s]))?(?:\s*\([^()]{1,60}\))?"
    r"(?:,\s+(?:a|an|the)\s[^,]{1,80},)?"
)


def _sentence_subject(sentence: str, runs: list[_Run], before: int) -> str | None:
    """The name that opens a sentence ("On 5 May, Acme Ltd announced ...", "OSLO, 5 May 2024 - Acme Ltd
    announced ..."), if it comes before `before`."""
    dateline = DATELINE.match(sentence) if sentence[:1].isupper() else None
    opening = dateline.end() if dateline else 0
    for rs, re_, run in runs:
        if rs >= before:
            break
        if run[0] == "@" or rs < opening:
            continue
        name, personish = _run_data(run)[3:5]
        if name and not personish and name.lower().rstrip(".") not in _MONTHS:
            head = sentence[opening:rs].strip(" ,-–—")
            opens = not head or _preposition_start(sentence, rs) is not None or head[-1].isdigit()
            tail = _SUBJECT_TAIL.match(sentence, re_)  # (always matches: every part is optional)
            return run if opens and _MAKES_DEAL.match(sentence, tail.end() if tail else re_) else None
    return None


def _pair_side(raw: str, ctx: _Ctx, strong: bool, para: int) -> str | None:
    """The article's name for one side of a partnership cue; a strong cue makes an unknown name a company."""
    if raw.startswith("@"):
        return _canonical_company(raw, ctx)
    name = _trim_company(raw)
    if not name or not _valid_company(name, ctx):
        return None
    if ctx.known_company(name) is None and not strong:
        return None
    ctx.add_company(name, para)
    return ctx.canonical(name)


_PARTICIPLE_BEFORE = re.compile(r",\s+[a-z]+ing\s+(?:(?:a|an|the|its|their)\s+)?(?:[\w-]+\s+){0,2}$")


def _resolve_pairs(raw: list[_RawPair], sentence: str, ctx: _Ctx, para: int) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for a_raw, b_raw, strong, pos in raw:
        b = _pair_side(b_raw, ctx, strong, para)
        if b is None:
            continue
        if a_raw is None:
            before = _companies_in(sentence[:pos], ctx)
            # In a clause of a participle ("Acme's phone uses Initech optics, ending a partnership with B")
            # the partnership is the sentence's subject's: its first company; else the nearest before.
            nearest_first = before if _PARTICIPLE_BEFORE.search(sentence, 0, pos) else reversed(before)
            a = next((c for c in nearest_first if company_key(c) != company_key(b)), None)
        else:
            a = _pair_side(a_raw, ctx, strong, para)
        if a and company_key(a) != company_key(b) and (a, b) not in pairs and (b, a) not in pairs:
            pairs.append((a, b))
    return pairs


@dataclass
class _Pair:
    companies: tuple[str, str]
    paragraph: int
    started: str | None = None
    start_explicit: bool = False
    ended: str | None = None
    cues: set[str] = field(default_factory=set)
    products: list[str] = field(default_factory=list)


# The raw pairs of each sentence that has any, by (paragraph, sentence).
_Sentences = dict[tuple[int, int], list[_RawPair]]


def discover_partner_companies(ctx: _Ctx) -> _Sentences:
    """Find the raw pairs of every sentence; names in a strong cue ("A teams up with B") are companies."""
    groups = _cue_groups(ctx)
    found: _Sentences = {}
    ctx.noun_sentences = {where for where, gs in groups.items() if _NOUNS in gs}
    for (i, k), gs in sorted(groups.items()):
        s, e = ctx.bounds[i][k]
        sentence = ctx.paragraphs[i][s:e]
        if not _may_pair(sentence, gs):
            continue
        runs = ctx.sentence_runs(i, s, e)
        # A partnership needs at least one name in the sentence besides its first word.
        if not runs or (len(runs) == 1 and runs[0][0] == 0):
            continue
        raw = _raw_pairs(sentence, runs, frozenset(gs))
        if raw:
            found[i, k] = raw
        for a, b, strong, _pos in raw:
            for side in (a, b):
                if strong and side and not side.startswith("@"):
                    name = _trim_company(side)
                    if name and _valid_company(name, ctx):
                        ctx.add_company(name, i)
    return found


def extract_partnerships(ctx: _Ctx, raw_pairs: _Sentences, products: dict[str, int]) -> list[PartnershipFact]:
    book: dict[tuple[str, str], _Pair] = {}
    recent: list[tuple[str, str]] = []
    touched_at = (-1, -1)  # the last sentence that named a pair
    dateline: tuple[int, str | None] = (-1, None)  # (paragraph, the date of its dateline)
    # Each product with the words after its first (its model: "X5 Pro" of "Acme X5 Pro") and its first word.
    parts = [(prod, words[-1], words[0]) for prod in products for words in (prod.split(" ", 1),)]
    # Only these sentences can say something: those with raw pairs, the ones right after them (they may
    # go on about the pair) and those with a partnership noun (they may refer back to it).
    for i, k in sorted(raw_pairs.keys() | ctx.noun_sentences | {(i, k + 1) for i, k in raw_pairs}):
        if k >= len(ctx.bounds[i]):
            continue
        s, e = ctx.bounds[i][k]
        p = ctx.paragraphs[i]
        raw = raw_pairs.get((i, k))
        continued = touched_at == (i, k - 1) and p.startswith(_CONTINUATION, s, e)
        # A sentence with a partnership noun may refer to a pair (see the branches below).
        may_refer = (i, k) in ctx.noun_sentences and (recent or "the two" in p[s:e])
        if not raw and not continued and not may_refer:
            continue
        sentence = p[s:e]
        touched: list[_Pair] = []
        for a, b in _resolve_pairs(raw, sentence, ctx, i) if raw else ():
            key = (a, b) if fold(a) <= fold(b) else (b, a)
            pair = book.setdefault(key, _Pair(key, i))
            touched.append(pair)
            if key in recent:
                recent.remove(key)
            recent.append(key)
        if touched:
            if dateline[0] != i:
                m = DATELINE.search(p) if ctx.months[i] else None  # (a dateline has a month name)
                found = find_dates(m.group("date"), ctx.published) if m else []
                dateline = (i, found[0][2] if found else None)
            dates = ctx.sentence_dates(i, s, e)
            for pair in touched:
                _apply_cues(ctx, pair, sentence, dates, parts, dateline[1], anaphoric=False)
            touched_at = (i, k)
        elif continued:
            dates = ctx.sentence_dates(i, s, e)
            _apply_cues(ctx, book[recent[-1]], sentence, dates, parts, None, anaphoric=True)
        elif recent and _ANAPHORIC.found(sentence):
            named = set(_companies_in(sentence, ctx))
            key = next((k for k in reversed(recent) if not named or named & set(k)), recent[-1])
            dates = ctx.sentence_dates(i, s, e)
            _apply_cues(ctx, book[key], sentence, dates, parts, None, anaphoric=True)
        elif _THE_TWO.found(sentence) and len(two := _companies_in(sentence, ctx)) == 2:
            # "A's phone has a sensor by B, the first fruit of a partnership the two firms unveiled in May".
            a, b = sorted(two, key=fold)
            pair = book.setdefault((a, b), _Pair((a, b), i))
            recent.append(pair.companies)
            _apply_cues(ctx, pair, sentence, ctx.sentence_dates(i, s, e), parts, None, anaphoric=False)
            touched_at = (i, k)
    return [_partnership_fact(pair, ctx.published) for pair in book.values()]


def _partnership_fact(pair: _Pair, published: str | None) -> PartnershipFact:
    status: PartnershipStatus = "active"
    if pair.ended or "ended" in pair.cues:
        status = "ended"
    elif "announced" in pair.cues:
        status = "announced"
    elif pair.cues == {"rumoured"}:
        status = "rumoured"
    started = pair.started
    if started is None and "announced" in pair.cues and published:
        started = published[:7]
    return PartnershipFact(pair.companies, pair.paragraph, started, pair.ended, status, tuple(pair.products))


def _clause_before(sentence: str, start: int) -> str:
    """The words of the clause before sentence[start], up to 80 characters ("A ended its deal with B in")."""
    before = sentence[max(0, start - 80) : start]
    return before[max(before.rfind(mark) for mark in (",", ":", ";", " – ", " — ")) + 1 :]


def _apply_cues(
    ctx: _Ctx,
    pair: _Pair,
    sentence: str,
    dates: list[tuple[int, int, str]],
    products: list[tuple[str, str, str]],
    dateline_date: str | None,
    *,
    anaphoric: bool,
) -> None:
    for prod, model, first in products:  # (product, its model, its first word): see extract_partnerships
        if model in sentence:  # so also where the whole product name is
            maker = _canonical_company(first, ctx)
            if (maker is None or maker in pair.companies) and prod not in pair.products:
                pair.products.append(prod)
    for start, end, date in dates:
        # The cue stands right before the date, or after a date that opens the sentence ("On 5 May, A said"),
        # else earlier in the date's clause ("A ended its deal with B in June 2022").
        window = sentence[max(0, start - 30) : end + 80 if start <= 3 else end]
        ended = _END_CUE.found(window)
        start_cue = not ended and _START_CUE.found(window)
        said = not (ended or start_cue) and _ANNOUNCED_ON.found(window)
        if not (ended or start_cue or said):
            clause = _clause_before(sentence, start) + sentence[start:end]
            ended = _END_CUE.found(clause)
            start_cue = not ended and _START_CUE.found(clause)
        if ended:
            pair.ended = date
            pair.cues.add("ended")
        elif start_cue or (said and not anaphoric):
            if not pair.start_explicit or len(date) > len(pair.started or ""):
                pair.started, pair.start_explicit = date, True
            if not start_cue:
                pair.cues.add("announced")
    for s1, e1, d1 in dates:
        gap = _RANGE_GAP.match(sentence, e1)
        if not gap or not (sentence[:s1].endswith(_RANGE_OPEN) or sentence.startswith(_RANGE_OPEN, s1)):
            continue
        year = _YEAR_AT.match(sentence, gap.end())
        d2 = next((d for s2, _e2, d in dates if s2 in (gap.start(1), gap.end())), year and year.group())
        if d2 and d2 > d1:
            pair.started = pair.started or d1
            if ctx.published is None or d2 < ctx.published:
                pair.ended = d2
    # An end bound to its partner ends that partnership only; else an end cue anywhere ends the sentence's.
    bound = "with" in sentence and any(needle in sentence for needle in _ENDING_NEEDLES)
    ends = [_canonical_company(m["b"], ctx) for m in _ENDING_WITH.finditer(sentence)] if bound else []
    if any(end in pair.companies for end in ends) if ends else _END_CUE.found(sentence):
        pair.cues.add("ended")
    if anaphoric:
        return
    if _PAST_CUE.found(sentence):  # only where the sentence names the pair: "the deal A previously made"
        pair.cues.add("ended")
    if _RUMOUR_CUE.found(sentence):
        pair.cues.add("rumoured")
    elif _ANNOUNCE_CUE.found(sentence):
        pair.cues.add("announced")
        if dateline_date and not pair.start_explicit:
            pair.started, pair.start_explicit = dateline_date, True


# ---------------------------------------------------------------- events

# A participle alone before a date: "Founded in 1998, Acme ..."
_PARTICIPLES = frozenset(("Founded", "Established", "Launched", "Created", "Formed", "Incorporated", "Born"))
_FILLER = re.compile(
    r"(?:(?:it|we|i|they|he|she)\s+(?:can\s+)?(?:emerged|was reported|confirm(?:ed)?|said|says|announced|"
    r"reported)\s+that|that)\s+",
    re.IGNORECASE,
)
# "A did this and was / has / became ...": the words after "and" start a clause with the same subject.
_AUX_VERBS = frozenset(
    ("was", "were", "is", "are", "has", "had", "have", "will", "would", "became", "remains")
)
_PRONOUN_SUBJECT = re.compile(r"(?:it|they|the company|the firm|the group)\s+", re.IGNORECASE)
# Where a clause stops: at a colon or semicolon before a space, or at an opening quotation mark. The
# pattern starts with one character class, which is searched for fast.
_CLAUSE_STOP = re.compile(r"[:;\"“‘](?:(?<=[:;])(?=\s)|(?<=[\"“‘]))")


# Words a clause cannot end on: "... partnered with B between", "... a tie-up, which".
_DANGLING_WORDS = frozenset(
    "between from in on at of with by to for and or but since which that who the a an".split()  # noqa: SIM905
)
_DANGLING = re.compile("|".join(sorted(_DANGLING_WORDS)), re.IGNORECASE)
# "..., which began" before a date: the relative clause is about the noun phrase before the comma, which
# starts at its determiner (the last one that does not follow a preposition: "a tie-up with B").
_RELATIVE_END = re.compile(
    r"(?:,\s+(?:which|that)|\s(?:which|that)(?=\s+(?:began|started|ended|was|were|lasted|ran)\b))"
    r"\s+(?P<verb>[^,]+)$"
)  # ", which began" / " that began" (without the comma only before such a verb: not "said that ...")
# A name at the start of a sentence and the relative clause after it: "Jane Doe, who joined Acme in 2019, ".
_RELATIVE_SUBJECT = re.compile(rf"(?P<subject>{NAME}),\s+(?:who|which)\s+(?P<verb>[^,]+?)(?:,\s+|$)")
_NOUN_PHRASE = re.compile(
    r"(?<!\bwith )(?<!\bof )(?<!\bbetween )(?<!\band )(?<!\bfor )(?<!\bto )(?<!\bfrom )(?<!\bby )"
    r"(?<!\bin )(?<!\bon )(?<!\bat )\b(?:a|an|the|its|their|his|her)\s[^,]+$"
)
# A sentence that opens with a noun phrase about the subject that follows the date: "The first maker to
# do X in 2014, Acme ...". No verb of its own: no past tense, no auxiliary.
_APPOSITION = re.compile(r"(?:The|A|An)\s(?![^,]*\b(?:[a-z]+ed|is|are|was|were|has|have|had|will)\b)[^,]+")


def _without_dangling(text: str) -> str:
    """text without the words it cannot end on, each after a space (text has single spaces only)."""
    cut = text.rfind(" ")
    while cut != -1:
        word = text[cut + 1 :]
        # In ASCII, lower() folds case as the pattern does; the pattern for the other words.
        if not (word.lower() in _DANGLING_WORDS if word.isascii() else _DANGLING.fullmatch(word)):
            break
        text = text[:cut]
        cut = text.rfind(" ")
    return text


def _single_spaced(text: str) -> str:
    """ " ".join(text.split()): the same as stripping the spaces where the only whitespace is single
    spaces (every other whitespace character is unprintable), which is cheaper to test than to split."""
    return text.strip(" ") if text.isprintable() and "  " not in text else " ".join(text.split())


def _shorten(text: str, limit: int = 120) -> str:
    text = _without_dangling(_single_spaced(text).strip(" ,;:-–—\"“”‘’'").rstrip("."))
    if len(text) <= limit:
        return text
    # Too long: cut at the last clause boundary that leaves a clause (or one just past the limit), else at
    # a word.
    marks = (", ", "; ", " – ", " — ")
    cut = max(text.rfind(mark, 0, limit) for mark in marks)
    if cut <= 0 or text[:cut].count(" ") < 3:
        cut = min((k for k in (text.find(mark, limit, limit + 40) for mark in marks) if k > 0), default=-1)
    if cut > 0 and text[:cut].count(" ") >= 3:
        return text[:cut]
    return _without_dangling(text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:")) + "…"


def extract_events(ctx: _Ctx) -> list[EventFact]:
    events: list[EventFact] = []
    seen: set[tuple[str, str]] = set()
    for i, p in enumerate(ctx.paragraphs):
        dates = ctx.dates[i]
        k_done = -1
        for start, _end, _date in dates:
            k = max(0, bisect_right(ctx.starts[i], start) - 1)
            if k == k_done:
                continue
            k_done = k
            s, e = ctx.bounds[i][k]
            in_sentence = ctx.sentence_dates(i, s, e)
            sentence = p[s:e]
            if k and len(in_sentence) == 1 and _DATELINE_ONLY.fullmatch(sentence):
                # "Acme and Nimbus announce a partnership: ... Oslo, 23 May 2022.": the dateline dates the
                # sentence before it (a press release's title).
                s, title_end = ctx.bounds[i][k - 1]
                stop = _CLAUSE_STOP.search(p, s, title_end)
                sentence = p[s : stop.start() if stop else title_end]
                in_sentence = [(len(sentence), len(sentence), in_sentence[0][2])]
            named = _companies_at(ctx, i, s, e)
            for n, (_s, _e, date) in enumerate(in_sentence):
                what = _event_clause(sentence, in_sentence, n, ctx, named)
                key = (date, what)
                if what.count(" ") < 2 or key in seen:
                    continue
                seen.add(key)
                companies = tuple([c for c in named if c in what]) or tuple(named[:2])
                events.append(EventFact(date, what, i, companies))
    return events


def _event_clause(
    sentence: str, dates: list[tuple[int, int, str]], n: int, ctx: _Ctx, named: list[str]
) -> str:
    """A short readable clause for the n-th date of a sentence."""
    start, end, _date = dates[n]
    prev_end = dates[n - 1][1] if n else 0
    next_start = dates[n + 1][0] if n + 1 < len(dates) else len(sentence)
    undated = _UNDATED_DATELINE.match(sentence) if not prev_end and sentence[:3].isupper() else None
    head = sentence[undated.end() if undated else prev_end : start]
    participle = head.strip()
    if participle in _PARTICIPLES and sentence[end : end + 1] == ",":
        subject = _subject_of(sentence[end + 1 :], named)
        return f"{subject} was {participle.lower()}" if subject else ""
    lead = head.strip(" ,\"“‘'")
    after = sentence[end:next_start].strip(" ,")
    credit = _WIRE_CREDIT.match(after) if not prev_end and _DATELINE_PLACE.fullmatch(head) else None
    if credit:
        # "SAN JOSE, Calif., April 2, 2024 /PRNewswire/ -- Acme, Inc. (NASDAQ: ACME), a leader in robots,
        # today announced ...": what follows, without what stands between its subject and its verb.
        lead, after = "", after[credit.end() :]
        name_at = _NAME_RE.match(after)
        tail = _SUBJECT_TAIL.match(after, name_at.end()) if name_at else None  # (it matches anywhere)
        if name_at and tail and tail.end() > name_at.end():
            after = f"{name_at.group()} {after[tail.end() :].lstrip()}"
    if (
        not prev_end
        and lead.startswith(("The", "A"))  # a quick test before the pattern
        and _APPOSITION.fullmatch(lead)
        and sentence[end : end + 1] == ","
    ):
        subject = _subject_of(sentence[end + 1 :], named)
        if subject and after.startswith(subject):
            return _shorten(f"{subject} was {lead[0].lower()}{lead[1:]}")
    opens_clause = lead.endswith((" and", " but", ";")) and bool(
        _PRONOUN_SUBJECT.match(after) or after[:1].isupper()
    )
    if not lead or opens_clause:
        rest = after
        rest = _without_filler(rest)
        stop = _CLAUSE_STOP.search(rest)
        if stop:
            head = rest[: stop.start()].rstrip()
            rest = head if len(head) > 20 else rest
        if n + 1 < len(dates):
            # "In 2012, A did this and [in 2015] did that": the clause of this date ends at the last "and".
            for conj in (" and", " but", ";"):
                if rest.endswith(conj):
                    rest = rest[: -len(conj)]
            cut = rest.rfind(" and ")
            rest = rest[:cut] if cut > 0 else rest
        pronoun = _PRONOUN_SUBJECT.match(rest)
        subject = _subject_of(sentence, named) if pronoun else None
        if pronoun and subject:
            rest = f"{subject} {rest[pronoun.end():]}"
        return _shorten(rest)
    # The clause starts after an opening quotation mark or a colon before the date, if any.
    cut = 0
    for mark in ("“", "‘", '"', ": ", "; "):
        if mark in head:  # cheaper than rfind where it is not
            cut = max(cut, head.rfind(mark) + len(mark))
    clause = head[cut:].strip(" ,")
    clause = _without_filler(clause)
    relative = _RELATIVE_END.search(clause) if any(m in clause for m in (",", "hich ", "that ")) else None
    phrase = None
    if relative:
        # The phrase holds no comma: it starts after the last one before the relative clause.
        end = relative.start()
        phrase = _NOUN_PHRASE.search(clause, clause.rfind(",", 0, end) + 1, end)
    if relative and phrase:
        return _shorten(f"{phrase.group()} {relative.group('verb')}")
    cut = clause.rfind(" and ")
    verb = clause[cut + 5 :].split(" ", 1)[0] if cut > 0 else ""
    if verb in _AUX_VERBS or (verb.endswith("ed") and verb.islower()):
        subject = _subject_of(sentence, named, names=False)
        piece = clause[cut + 5 :]
        return _shorten(f"{subject} {piece}" if subject else piece)
    if head.startswith(",") and clause[:1].islower():
        # The sentence's subject stands before a relative clause: "Jane Doe, who joined in 2019, said ..."
        who = _RELATIVE_SUBJECT.match(sentence)
        if who and sentence.startswith(clause, who.end()):
            clause = f"{who['subject']} {clause}"
    elif (
        ", " in clause
        and (who := _RELATIVE_SUBJECT.fullmatch(clause))
        and who["verb"][0].islower()  # "Jane Doe, who joined" (not "Acme, which Initech bought")
    ):
        clause = f"{who['subject']} {who['verb']}"
    return _shorten(clause)


# A dateline without a date: "MILAN (Reuters) — ", "SAN JOSE, Calif. - ".
_UNDATED_DATELINE = re.compile(
    rf"(?:[{_UP}]{{3,}}|[{_UP}]+(?:[ .'’-]+[{_UP}]+)+)(?:,\s+[{_UP}][\w.'’ -]{{0,20}}?)?\s*"
    r"(?:\([^)]{1,40}\)\s*)?(?:--|[–—-])\s+"
)
# A news agency's credit after a dateline: "BERLIN, March 3 (Reuters) - ...", "... 2024 /PRNewswire/ -- ...".
_WIRE_CREDIT = re.compile(r"\s*(?:\([A-Z][\w&.'’ -]{0,30}\)|/[^/\s][^/]{0,39}/)?\s*(?:--|[-–—])\s*")


def _without_filler(text: str) -> str:
    """text without a leading news agency's credit, "it emerged that" or "that" (every match of _FILLER holds
    a "that")."""
    if text.startswith(("(", " (", "/", "-", "–", "—")):
        credit = _WIRE_CREDIT.match(text)
        text = text[credit.end() :] if credit else text
    filler = _FILLER.match(text) if "that" in text.lower() else None
    return text[filler.end() :] if filler else text


def _subject_of(text: str, named: list[str], *, names: bool = True) -> str | None:
    """The first company of `named` in text, or else (if `names`) its first capitalised name."""
    found = [(text.find(c), c) for c in named if c in text]
    if found:
        return min(found)[1]
    if not names:
        return None
    for m in _NAME_RE.finditer(text):
        if m.group(0).split()[0].lower() not in STOP_CAPS:
            return m.group(0)
    return None


# ---------------------------------------------------------------- entry point


def _headline_partnerships(title: str, ctx: _Ctx, found: list[PartnershipFact]) -> list[PartnershipFact]:
    """Partnerships that only the headline states ("A and B agree battery partnership", "A picks B as camera
    partner"), between two companies the text names; the lead paragraph stands for their source."""
    head = _Ctx((title,), ctx.published)
    for name in ctx.companies:
        head.add_company(name, 0)
    raw = discover_partner_companies(head)
    if not raw:
        return []
    known = {frozenset(p.companies) for p in found}
    out = []
    for fact in extract_partnerships(head, raw, {}):
        a, b = (_named_in_text(name, ctx) for name in fact.companies)
        if a is None or b is None:
            continue
        pair = sorted((ctx.canonical(a), ctx.canonical(b)), key=fold)
        if pair[0] != pair[1] and frozenset(pair) not in known:
            known.add(frozenset(pair))
            out.append(PartnershipFact((pair[0], pair[1]), 0, fact.started, fact.ended, fact.status))
    return out


def _named_in_text(name: str, ctx: _Ctx) -> str | None:
    """How the text names a company of the headline: as a company it knows, else by the same name."""
    return ctx.known_company(name) or (name if _name_hits(ctx.body, (name,)) else None)


def extract(article: CleanArticle) -> Extraction:
    """All facts one article states."""
    ctx = _Ctx(article.paragraphs, article.published)
    roles = extract_roles(ctx)
    find_companies(ctx)
    raw_pairs = discover_partner_companies(ctx)
    products = find_products(ctx)
    companies = index_companies(ctx)
    products = fold_products(products, ctx)
    quotes = extract_quotes(ctx)
    partnerships = extract_partnerships(ctx, raw_pairs, products)
    partnerships += _headline_partnerships(article.title, ctx, partnerships)
    events = extract_events(ctx)
    return Extraction(
        quotes=tuple(quotes.quotes),
        org_quotes=tuple(quotes.org_quotes),
        roles=tuple(roles),
        mentions=tuple(_mentions(companies, ctx, products)),
        partnerships=tuple(partnerships),
        events=tuple(events),
    )
