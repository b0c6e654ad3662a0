"""Name folding and grouping (db/ingest/names.py): general rules, shown with invented names."""

from __future__ import annotations

from db.ingest.names import company_key, fold, group_names, person_key, quote_key, same_quote


def test_fold_casefolds_strips_accents_and_normalises_quotes_and_spaces() -> None:
    assert fold("  Ünïcode\u00a0“Quotes”  and ‘Apostrophe’s’ ") == "unicode \"quotes\" and 'apostrophe's'"
    assert fold("SØREN  Ström") == "søren strom"  # ø has no decomposition; ö loses its accent


def test_company_key_strips_legal_suffixes_the_handle_and_abbreviations() -> None:
    assert company_key("Acme Widgets AG") == "acme widgets"
    assert company_key("The Acme Widgets Inc.") == "acme widgets"
    assert company_key("@acmewidgets") == "acmewidgets"
    assert company_key("Boltco Consumer Business Group (BCBG)") == "boltco consumer business"
    assert company_key("Quill & Co.") == "quill"
    assert company_key("Acme's") == "acme"


def test_person_key_strips_honorifics_possessives_and_middle_initials() -> None:
    assert person_key("Dr Jane Q. Doe") == "jane doe"
    assert person_key("Prof. Jane Doe’s") == "jane doe"
    assert person_key("MR JOHN SMITH") == "john smith"


def test_quote_key_and_same_quote_ignore_case_marks_spaces_and_end_punctuation() -> None:
    assert quote_key("“We  build  Things,” ") == "we build things"
    assert same_quote("We build things that last.", "‘we build things that last’")
    long = "We build things that last, and our customers know it. That is our promise."
    assert same_quote("our customers know it", long) is True  # contained and long enough
    assert same_quote("Yes", "Yes, we will") is False  # too short to count as contained
    assert same_quote("We build boats.", "We build cars.") is False


def test_companies_group_by_suffix_prefix_and_division() -> None:
    names = [
        ("Acme", "company", 9),
        ("Acme Widgets", "company", 2),
        ("Acme Widgets AG", "company", 3),
        ("BOLTCO", "company", 4),
        ("Boltco", "company", 3),
        ("Boltco Consumer Business Group (BCBG)", "company", 1),
        ("Boltco Consumer BG", "company", 1),
        ("Carl Quist", "company", 1),
        ("Quist", "company", 1),
        ("Zephyr Labs", "company", 2),
    ]
    groups = group_names(names)
    assert {groups[(n, "company")] for n in ("Acme", "Acme Widgets", "Acme Widgets AG")} == {"Acme"}
    boltco = ("BOLTCO", "Boltco", "Boltco Consumer Business Group (BCBG)", "Boltco Consumer BG")
    # "BOLTCO" is more frequent but all capitals: the display name is the mixed-case form.
    assert {groups[(n, "company")] for n in boltco} == {"Boltco"}
    assert groups[("Quist", "company")] == "Carl Quist"  # a short name that ends exactly one company
    assert groups[("Zephyr Labs", "company")] == "Zephyr Labs"


def test_a_surname_alone_joins_the_unique_full_name_and_never_a_company() -> None:
    names = [
        ("Jane Doe", "person", 3),
        ("Doe", "person", 2),
        ("Dr Jane Doe", "person", 1),
        ("Smith", "person", 1),
        ("Anna Smith", "person", 1),
        ("Bob Smith", "person", 1),
        ("Doe", "company", 1),
        ("Doe Industries", "company", 1),
    ]
    groups = group_names(names)
    assert groups[("Doe", "person")] == "Jane Doe"
    assert groups[("Dr Jane Doe", "person")] == "Jane Doe"
    assert groups[("Smith", "person")] == "Smith"  # two Smiths: ambiguous, left alone
    assert groups[("Doe", "company")] == "Doe"  # kinds never mix
    assert groups[("Doe Industries", "company")] == "Doe"


def test_products_group_with_and_without_the_brand() -> None:
    names = [("Acme X5", "product", 2), ("X5 series", "product", 1), ("Acme X7 Pro", "product", 1)]
    groups = group_names(names)
    assert groups[("X5 series", "product")] == "Acme X5"
    assert groups[("Acme X7 Pro", "product")] == "Acme X7 Pro"


def test_a_model_under_its_makers_name_and_its_series_name_is_one_product() -> None:
    names = [
        ("Acme", "company", 3),
        ("Nimbus", "company", 1),
        ("Acme QX1", "product", 3),  # the maker's name (a company of the corpus)
        ("Orbit QX1", "product", 1),  # the series' name: shown, even though the maker's form is more frequent
        ("QX1", "product", 1),
        ("Acme Z9", "product", 1),  # two companies' models that share a code stay apart
        ("Nimbus Z9", "product", 1),
        ("Acme 12", "product", 1),  # a bare number is shared by many lines
        ("Orbit 12", "product", 1),
        ("Acme T4", "product", 1),  # two series for one code: ambiguous, left alone
        ("Orbit T4", "product", 1),
        ("Vega T4", "product", 1),
    ]
    groups = group_names(names)
    assert {groups[(n, "product")] for n in ("Acme QX1", "Orbit QX1", "QX1")} == {"Orbit QX1"}
    assert groups[("Acme Z9", "product")] != groups[("Nimbus Z9", "product")]
    assert groups[("Acme 12", "product")] != groups[("Orbit 12", "product")]
    assert len({groups[(n, "product")] for n in ("Acme T4", "Orbit T4", "Vega T4")}) == 3


def test_aliases_win_over_the_rules() -> None:
    names = [
        ("Apex", "company", 3),
        ("Apex Bank", "company", 2),
        ("Apex Bank Ltd", "company", 1),
        ("Jo Lee", "person", 1),
        ("J. Lee", "person", 1),
    ]
    groups = group_names(
        names, aliases={"Apex Bank": "Apex Bank", "apex bank ltd": "Apex Bank", "J. Lee": "Jo Lee"}
    )
    assert groups[("Apex", "company")] == "Apex"
    assert groups[("Apex Bank", "company")] == "Apex Bank"
    assert groups[("Apex Bank Ltd", "company")] == "Apex Bank"
    assert groups[("J. Lee", "person")] == "Jo Lee"


def test_grouping_is_deterministic_whatever_the_input_order() -> None:
    names = [
        ("Acme", "company", 1),
        ("Acme Widgets", "company", 1),
        ("Jane Doe", "person", 1),
        ("Doe", "person", 1),
    ]
    assert group_names(names) == group_names(list(reversed(names)))


def test_same_quote_ignores_dash_and_apostrophe_styles() -> None:
    assert same_quote(
        "I’m pleased – and proud – to take it to the next level",
        "I'm pleased - and proud - to take it to the next level",
    )
