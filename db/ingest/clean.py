"""From a scraped page to the article's own text: boilerplate out, paragraphs, title and date.

Rules are general: they describe site furniture (widgets, copyright lines, newsletter and comment prompts,
related-article lists, embed markers), not any one site.
"""

from __future__ import annotations

import re

from db.ingest.extract import DATELINE, find_dates
from db.models import CleanArticle, ManifestEntry

_REPLACEMENTS = (
    ("\r\n", "\n"),
    ("\r", "\n"),
    ("\u2028", "\n"),
    ("\u2029", "\n\n"),
    ("\t", " "),
    ("\f", " "),
    ("\v", " "),
    *((c, " ") for c in "\u00a0\u2007\u202f\u2009\u200a\u2002\u2003\u3000"),
    *((c, "") for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad"),
)
_MULTISPACE = re.compile(r" {2,}")
_SPACE_BEFORE_PUNCT = re.compile(r" +([,;:])(?= |$)", re.MULTILINE)

# A line that is site furniture: dropped wherever it stands. Only short lines are tested: a long paragraph
# is the article's own text even when it mentions a newsletter.
_MAX_FURNITURE = 300
# A news agency's credit: "Reporting by Jane Doe in Oslo; Editing by Sam Lee" (names only, not "Reporting by
# the BBC found ...").
_CREDIT = (
    r"(?:additional\ )?(?:reporting|writing|editing)\ by\ "
    r"(?-i:[A-Z][\w.'’-]*(?:\ (?:[A-Z][\w.'’-]*|and|in|&))*)"
)
_DROP_LINE = re.compile(
    r"""^(?:
        load\ more\b.*
      | (?:©|ⓒ|\(c\)|copyright\s+(?:©|\(c\)|\d{4})).*
      | (?:published|updated|posted|last\ updated)\b[^.]{0,60}\d[^.]{0,40}
      | (?:sign\ up|subscribe)\b.{0,60}\bnewsletters?\b.{0,80}
      | get\ the\ (?:best|latest)\b.{0,80}\b(?:inbox|newsletter)\b.{0,20}
      | \(\s*[a-z][\w-]*\s*:\s*[\w-]+\s*\)
      | \[\s*[a-z][\w-]*\s*:\s*[^\]]*\]
      | read\ (?:our|the)\ latest\b.{0,60}
      | (?:advertisement|advert|sponsored\ content|skip\ to\ (?:main\ )?content)
      | (?:menu|search|home|navigation|log\ ?in|sign\ in|close|back\ to\ top)
      | \d+\s*(?:-\s*)?min(?:ute)?s?\ read
      | (?:photo|image|picture|video|illustration)s?\s*:\s*[^.]{0,80}
      | (?:topics|tags|filed\ under|categories)\s*:.{0,200}
      | share\ (?:this|on)\b.{0,40}
      | follow\ us\ on\b.{0,60}
      | (?:click|tap)\ here\b.{0,80}
      | [(\[]?\s*(?:image|photo|picture)\ (?:credit|source)s?\s*:.{0,120}
      | (?:author|user|avatar)\ (?:icon|image|avatar)
      | CREDIT(?:\s*[;,]\s*(?:and\ )?CREDIT)*\.?
      | our\ standards\s*:.{0,100}
    )$""".replace("CREDIT", _CREDIT),
    re.IGNORECASE | re.VERBOSE,
)
# Two more kinds of furniture line, tried only when a cheap substring test finds their mark (these patterns
# backtrack over the whole line): breadcrumbs "Home > News > Tech" and "... logo".
_BREADCRUMB = re.compile(r"^(?:[^>›»]{1,40}\s[>›»]\s){2,}[^>›»]{0,60}$")
_LOGO = re.compile(r"^.{0,60}\blogo$", re.IGNORECASE)
# A byline on a line of its own: "By Jane Doe", "By Jane Doe and Sam Lee | Technology reporters".
_BYLINE_START = ("By", "BY", "Written by", "Words by")
_BYLINE = re.compile(
    rf"^(?:{'|'.join(_BYLINE_START)})\s+[A-Z][\w.'’-]*(?:\s+(?:[A-Z][\w.'’-]*|and|&|de|van|von|der))*"
    r"(?:\s*[,|]\s*[^.]{0,60})?$"
)
_DROP_PHRASE = re.compile(
    r"\ball rights reserved\b|\bsupported by (?:its|our) (?:audience|readers)\b"
    r"|\b(?:we|this (?:site|website)) uses? cookies\b|\bcookie (?:policy|settings|preferences)\b"
    r"|\b(?:we|may) (?:may )?earn (?:a|an affiliate) commission\b",
    re.IGNORECASE,
)

# A line after which nothing belongs to the article: comment prompts, related-article lists, "why trust us".
_CUT_FROM = re.compile(
    r"""^(?:
        join\ the\ (?:discussion|conversation)\b.*
      | (?:let\ us\ know|tell\ us)\b.{0,200}\bcomments?\b.*
      | (?:leave|post|add)\ a\ comment\b.*
      | \d*\s*comments?\s*
      | why\ (?:trust|you\ can\ trust)\ (?:us|our\b.*)
      | (?:related|recommended|more|further|suggested|popular|trending)
        \ (?:articles?|stories|posts|news|reading|for\ you|from\ [\w\ ]{1,30})\s*:?
      | (?:you\ (?:may|might)\ also\ like|read\ (?:more|next|also)|see\ also|also\ read)\s*:?
      | most\ (?:popular|read|viewed|shared)(?:\ (?:stories|articles|now|today))?\s*:?
      | (?-i:About\ [A-Z][\w&.'’-]*(?:\ [A-Z0-9&][\w&.'’-]*){0,5})\s*:?
      | (?:media|press|investor)\ (?:contacts?|enquiries|inquiries)\s*:?.{0,80}
      | (?:contacts?|forward-looking\ statements?)\s*:?
      | (?-i:SOURCE\ [A-Z].{0,80})
      | \#{3}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

_END_PUNCT = tuple('.!?:;"”’\')…')
_SENTENCE_END = re.compile(r"[.!?][\"”’']?\s+[\"“‘']?[A-Z]")

_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_MONTH_RE = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_TRAILING_DATE = re.compile(
    r"[\s|,·•–—-]*(?:"
    rf"(?P<m1>{_MONTH_RE})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y1>(?:19|20)\d\d)"
    rf"|(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m2>{_MONTH_RE}),?\s+(?P<y2>(?:19|20)\d\d)"
    r"|(?P<y3>(?:19|20)\d\d)-(?P<m3>[01]\d)-(?P<d3>[0-3]\d)"
    r")\s*$",
    re.IGNORECASE,
)


def normalise_text(raw: str) -> list[str]:
    """Fold odd spaces and line breaks; return the lines, stripped (empty lines kept as "")."""
    text = raw
    for old, new in _REPLACEMENTS:
        if old in text:
            text = text.replace(old, new)
    if "  " in text:
        text = _MULTISPACE.sub(" ", text)
    if _space_before_punct(text):
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", text)
    return [line.strip() for line in text.split("\n")]


def _space_before_punct(text: str) -> bool:
    """Whether " ,", " ;" or " :" is in text, found from the marks (far rarer than spaces)."""
    for mark in ",;:":
        j = text.find(mark)
        while j != -1:
            if text[j - 1 : j] == " ":
                return True
            j = text.find(mark, j + 1)
    return False


def _paragraphs(lines: list[str]) -> list[str]:
    """Each line is a paragraph, except hard-wrapped text: a line without closing punctuation
    followed by a line that starts in lower case continues the same paragraph."""
    out: list[str] = []
    joinable = False
    for line in lines:
        if not line:
            joinable = False
            continue
        if joinable and out and line[0].islower():
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        joinable = not line.endswith(_END_PUNCT)
    return out


def _is_furniture(line: str) -> bool:
    """The furniture tests that need a substring mark first (see _DROP_LINE for the rest)."""
    low = line.casefold()
    # Without one of these substrings _DROP_PHRASE cannot match: most lines skip the search.
    marked = "rights reserved" in low or "supported by" in low or "commission" in low or "cookie" in low
    if marked and _DROP_PHRASE.search(line):
        return True
    if "logo" in low and _LOGO.match(line):
        return True
    return (">" in line or "›" in line or "»" in line) and _BREADCRUMB.match(line) is not None


def strip_boilerplate(paragraphs: list[str]) -> list[str]:
    """Drop site furniture; stop at the first marker after which nothing is the article's."""
    kept: list[str] = []
    for para in paragraphs:
        if len(para) <= _MAX_FURNITURE:
            if _CUT_FROM.match(para) and kept:
                break
            byline = para.startswith(_BYLINE_START) and _BYLINE.match(para)  # (a quick test first)
            if _DROP_LINE.match(para) or byline or _is_furniture(para):
                continue
        kept.append(para)
    # Short navigation lines left at the end ("Real Time Analytics", "Trending").
    while len(kept) > 1 and len(kept[-1].split(None, 5)) <= 5 and not kept[-1].endswith(_END_PUNCT):
        kept.pop()
    return kept


def is_headline(line: str) -> bool:
    """A headline is one short sentence that does not end with a full stop."""
    if len(line) > 200 or len(line.split()) > 30:
        return False
    if line.endswith(".") and not line.endswith("..."):
        return False
    return _SENTENCE_END.search(line) is None


def split_trailing_date(line: str) -> tuple[str, str | None]:
    """ "Deal signed May 24, 2022" -> ("Deal signed", "2022-05-24")."""
    if not line.rstrip()[-1:].isdigit():
        return line, None  # every date form ends with a digit; the pattern is tried at every offset
    m = _TRAILING_DATE.search(line)
    date = _iso_date(m) if m and m.start() > 0 else None
    if m is None or date is None:
        return line, None
    return line[: m.start()].rstrip(" |,·•–—-"), date


# What may stand around the date of a date line: "Published: Thursday, 14 March 2024, 10:32 GMT" (not
# "Updated: ...": that is not when the article appeared). Looked for in the first lines of a page.
_DATE_LINE_WITHIN = 8
_DIGIT = re.compile(r"\d")
_DATE_LINE_PREFIX = re.compile(
    r"(?:(?:first\s+)?published|posted|date)?\s*(?:on)?\s*:?\s*"
    r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?",
    re.IGNORECASE,
)
_TIME_SUFFIX = re.compile(
    r"(?:\s*(?:,|at|[|·•–—-]))?\s+\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+[A-Z]{2,5})?\s*$", re.IGNORECASE
)


def date_line(line: str) -> str | None:
    """The date of a line that is only a date, as sites print one under the headline ("March 14, 2024",
    "Published: 14 March 2024, 10:32 GMT"), else None."""
    if len(line) > 80 or not _DIGIT.search(line):
        return None
    prefix = _DATE_LINE_PREFIX.match(line)  # (it matches everywhere: every part is optional)
    core = _TIME_SUFFIX.sub("", line[prefix.end() if prefix else 0 :])
    m = _TRAILING_DATE.fullmatch(core)
    return _iso_date(m) if m else None


def dateline_date(paragraph: str) -> str | None:
    """The date of a dateline that opens a paragraph ("SAN JOSE, Calif., April 2, 2024 /PRNewswire/ --"),
    else None."""
    m = DATELINE.match(paragraph) if paragraph[:1].isupper() else None
    found = find_dates(m.group("date"), None) if m else []
    return found[0][2] if found else None


def _iso_date(m: re.Match[str]) -> str | None:
    if m.group("y1"):
        year, month, day = m.group("y1"), _MONTHS[m.group("m1").lower().rstrip(".")], m.group("d1")
    elif m.group("y2"):
        year, month, day = m.group("y2"), _MONTHS[m.group("m2").lower().rstrip(".")], m.group("d2")
    else:
        year, month, day = m.group("y3"), int(m.group("m3")), m.group("d3")
    if not (1 <= month <= 12 and 1 <= int(day) <= 31):
        return None
    return f"{year}-{month:02d}-{int(day):02d}"


def derive_title(paragraph: str, limit: int = 90) -> str:
    """A title for an article without a headline: its first sentence, cut at a word boundary."""
    m = _SENTENCE_END.search(paragraph)
    sentence = paragraph[: m.start() + 1] if m else paragraph
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit].rsplit(" ", 1)[0].rstrip(" ,;:-–—")
    return cut + "…"


def clean_article(file: str, raw: str, manifest: ManifestEntry | None) -> CleanArticle:
    """Clean one article; manifest values win over what the text suggests."""
    paragraphs = _paragraphs(normalise_text(raw))
    # A date line at the top ("March 14, 2024", "Published: 14 March 2024, 10:32") dates the article and goes.
    top, rest = paragraphs[:_DATE_LINE_WITHIN], paragraphs[_DATE_LINE_WITHIN:]
    top_dates = [date_line(paragraph) for paragraph in top]
    paragraphs = strip_boilerplate([p for p, date in zip(top, top_dates, strict=True) if date is None] + rest)
    title: str | None = None
    published: str | None = None
    if len(paragraphs) > 1 and is_headline(paragraphs[0]):
        title, published = split_trailing_date(paragraphs[0])
        paragraphs = paragraphs[1:]
    published = published or next((date for date in top_dates if date), None)
    if published is None and paragraphs:
        published = dateline_date(paragraphs[0])
    if manifest is not None:
        title = manifest.title or title
        published = manifest.published or published
    if not title:
        title = derive_title(paragraphs[0]) if paragraphs else file
    return CleanArticle(
        file=file,
        title=title,
        paragraphs=tuple(paragraphs),
        published=published,
        url=manifest.url if manifest else None,
        publisher=manifest.publisher if manifest else None,
        author=manifest.author if manifest else None,
    )
