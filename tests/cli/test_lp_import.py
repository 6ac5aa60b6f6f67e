"""LPs and commitments imported from a spreadsheet with the real ``dealos lp import``.

Acme Capital runs Fund I (USD); Ash Pension is already recorded with a $1,000,000.00
commitment dated 2026-01-15. The GP fills the template with Ash Pension again, Birch
Family and Cedar Fund of Funds. A file with a bad row is refused whole, naming the row and
the column, and writes nothing; the corrected file previews, then records with
``--confirm``; the same file a second time adds nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from openpyxl import load_workbook
from setup_org import SetupOrg, start_org

from core.ids import is_uuid

HEADER = [
    "LP name",
    "LP type",
    "Contact name",
    "Contact email",
    "Fund",
    "Commitment amount",
    "Commitment date",
]


@pytest.fixture
def acme(tmp_path: Path) -> tuple[SetupOrg, str, str]:
    """The organization, Fund I's id and Ash Pension's id."""
    org = start_org(tmp_path)
    fund = org.ok("fund", "create", "--name", "Fund I", "--currency", "USD")[0]
    ash = org.ok("lp", "add", "--name", "Ash Pension", "--type", "institution")[0]
    org.ok("commitment", "add", "--fund", fund, "--lp", ash, "--amount", "1000000.00",
           "--on", "2026-01-15")  # fmt: skip
    return org, fund, ash


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows([HEADER, *rows])
    return path


GOOD = [
    ["Ash Pension", "", "Jane Roe", "jane@ash.example", "Fund I", "1,000,000.00", "2026-01-15"],
    ["Birch Family", "family office", "Bo Birch", "bo@birch.example", "Fund I", "2000000",
     "2026-02-01"],
    ["Cedar Fund of Funds", "fund of funds", "", "", "Fund I", "500,000.50", "2026-02-10"],
    ["Birch Family", "", "Al Birch", "al@birch.example", "", "", ""],
]  # fmt: skip
PREVIEW = [
    "row 2: Ash Pension — LP already recorded, adds contact Jane Roe <jane@ash.example>, "
    "commitment $1,000,000.00 to Fund I already recorded",
    "row 3: Birch Family — new LP (family office), contact Bo Birch <bo@birch.example>, "
    "commitment $2,000,000.00 to Fund I on 2026-02-01",
    "row 4: Cedar Fund of Funds — new LP (fund of funds), commitment $500,000.50 to Fund I "
    "on 2026-02-10",
    "row 5: Birch Family — LP of row 3, contact Al Birch <al@birch.example>",
]


def test_the_template_has_the_columns_in_domain_words(
    acme: tuple[SetupOrg, str, str], tmp_path: Path
) -> None:
    org, _, _ = acme
    assert org.ok("lp", "template", "--out", tmp_path / "lps.csv") == [
        f"wrote an import template to {tmp_path / 'lps.csv'}: one row per LP and commitment; "
        f"fill it in, then run dealos lp import {tmp_path / 'lps.csv'}"
    ]
    assert (tmp_path / "lps.csv").read_text("utf-8").splitlines() == [",".join(HEADER)]
    org.ok("lp", "template", "--out", tmp_path / "lps.xlsx")
    book = load_workbook(tmp_path / "lps.xlsx")
    assert [c.value for c in book.worksheets[0][1]] == HEADER
    assert book.sheetnames == ["LPs and commitments", "How to fill"]
    assert org.refused("lp", "template", "--out", tmp_path / "lps.txt") == (
        "dealos: --out: lps.txt must end in .xlsx or .csv"
    )


def test_a_csv_is_refused_whole_then_imported_once(
    acme: tuple[SetupOrg, str, str], tmp_path: Path
) -> None:
    org, fund, _ = acme
    bad = _csv(
        tmp_path / "bad.csv",
        [
            *GOOD[:2],
            ["Cedar Fund of Funds", "fund of funds", "", "", "Fund I", "1,000.005", "2026-02-10"],
            ["Dune LLC", "bank", "", "", "", "", ""],
            ["Elm Trust", "individual", "Eve Elm", "", "Fund I", "10", "2026-02-10"],
            ["Fir Office", "individual", "", "", "Fund II", "10", "2026-02-10"],
            ["Gum Trust", "individual", "", "", "Fund I", "10", "10/02/2026"],
            ["Ash Pension", "", "", "", "Fund I", "2000000.00", "2026-01-15"],
            ["Birch Family", "", "", "", "Fund I", "5", "2026-02-01"],
            ["Ash Pension", "individual", "", "", "", "", ""],
        ],
    )  # fmt: skip
    proc = org.dealos("lp", "import", bad, "--confirm")
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        *PREVIEW[:2],
        "row 4, column ‘Commitment amount’: 1,000.005 has more decimals than USD allows "
        "(USD amounts have at most 2 decimal places)",
        "row 5, column ‘LP type’: bank is not an LP type: institution, individual, family "
        "office, fund of funds or GP",
        "row 6, column ‘Contact email’: is empty: a contact needs a name and an email",
        "row 7, column ‘Fund’: no fund named Fund II; the funds are: Fund I",
        "row 8, column ‘Commitment date’: 10/02/2026 is not a date as YYYY-MM-DD, such as "
        "2026-01-15",
        "row 9, column ‘Commitment amount’: Ash Pension already has a commitment of "
        "$1,000,000.00 to Fund I dated 2026-01-15; the file says $2,000,000.00 on 2026-01-15 "
        "(one commitment per LP and fund)",
        "row 10, column ‘Fund’: row 3 already commits Birch Family to Fund I",
        "row 11, column ‘LP type’: Ash Pension is recorded as institution; the file says "
        "individual",
    ]
    assert proc.stderr.strip() == (
        "dealos: bad.csv was not imported, nothing was written: 8 problems, the first: "
        "row 4, column ‘Commitment amount’: 1,000.005 has more decimals than USD allows "
        "(USD amounts have at most 2 decimal places)"
    )
    assert org.ops() == 4  # the org, the fund, Ash Pension and its commitment

    good = _csv(tmp_path / "lps.csv", GOOD)
    assert org.ok("lp", "import", good) == [
        *PREVIEW,
        "lps.csv would add 2 new LPs, 1 contact on LPs already recorded, 2 commitments; "
        "nothing is written until you run it again with --confirm",
    ]
    assert org.ops() == 4

    said = org.ok("lp", "import", good, "--confirm")
    assert said[:5] == [
        *PREVIEW,
        "imported lps.csv: added 2 new LPs, 1 contact on LPs already recorded, 2 commitments",
    ]
    added = [line.split("  ") for line in said[5:]]
    assert [name for _, name in added] == ["Birch Family", "Cedar Fund of Funds"]
    assert all(is_uuid(lp_id) for lp_id, _ in added)
    assert org.ops() == 4 + 5  # two LPs, Ash Pension's contacts, two commitments
    assert org.ok("fund", "list") == [
        f"Fund I  USD  {fund}  committed 3,500,000.50  called 0.00  paid-in 0.00  3 LPs"
    ]
    assert org.rows("SELECT name, email FROM lp_contacts ORDER BY email") == [
        ("Al Birch", "al@birch.example"),
        ("Bo Birch", "bo@birch.example"),
        ("Jane Roe", "jane@ash.example"),
    ]

    assert org.ok("lp", "import", good, "--confirm") == [
        "row 2: Ash Pension — LP already recorded, contact Jane Roe <jane@ash.example> already "
        "recorded, commitment $1,000,000.00 to Fund I already recorded",
        "row 3: Birch Family — LP already recorded, contact Bo Birch <bo@birch.example> already "
        "recorded, commitment $2,000,000.00 to Fund I already recorded",
        "row 4: Cedar Fund of Funds — LP already recorded, commitment $500,000.50 to Fund I "
        "already recorded",
        "row 5: Birch Family — LP already recorded, contact Al Birch <al@birch.example> already "
        "recorded",
        "nothing to add: every LP and commitment in lps.csv is already recorded",
    ]
    assert org.ops() == 9


def test_an_xlsx_filled_in_the_template_is_imported(
    acme: tuple[SetupOrg, str, str], tmp_path: Path
) -> None:
    org, fund, _ = acme
    sheet_path = tmp_path / "lps.xlsx"
    org.ok("lp", "template", "--out", sheet_path)
    book = load_workbook(sheet_path)
    sheet = book.worksheets[0]
    # As a person fills it in Excel: amounts typed as numbers, a date cell, a text date,
    # the fund by its id.
    for row, values in (
        (2, ["Birch Family", "Family office", "Bo Birch", "bo@birch.example", "Fund I",
             2000000, dt.datetime(2026, 2, 1)]),
        (3, ["Cedar Fund of Funds", "fund_of_funds", None, None, fund, 1000.005,
             "2026-02-10"]),
    ):  # fmt: skip
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)
    book.save(sheet_path)

    refused = org.dealos("lp", "import", sheet_path, "--confirm")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "dealos: lps.xlsx was not imported, nothing was written: 1 problem, the first: "
        "row 3, column ‘Commitment amount’: 1000.005 has more decimals than USD "
        "allows (USD amounts have at most 2 decimal places)"
    )
    assert org.ops() == 4

    book = load_workbook(sheet_path)
    book.worksheets[0]["F3"] = 1000.5
    book.save(sheet_path)
    said = org.ok("lp", "import", sheet_path, "--confirm")
    assert said[:3] == [
        "row 2: Birch Family — new LP (family office), contact Bo Birch "
        "<bo@birch.example>, commitment $2,000,000.00 to Fund I on 2026-02-01",
        "row 3: Cedar Fund of Funds — new LP (fund of funds), commitment $1,000.50 "
        "to Fund I on 2026-02-10",
        "imported lps.xlsx: added 2 new LPs, 2 commitments",
    ]
    assert org.ok("fund", "list") == [
        f"Fund I  USD  {fund}  committed 3,001,000.50  called 0.00  paid-in 0.00  3 LPs"
    ]
    again = org.ok("lp", "import", sheet_path, "--confirm")
    assert again[-1] == "nothing to add: every LP and commitment in lps.xlsx is already recorded"
    assert org.ops() == 8


def test_files_the_import_cannot_take_are_refused(
    acme: tuple[SetupOrg, str, str], tmp_path: Path
) -> None:
    org, _, _ = acme
    bare = tmp_path / "bare.csv"
    bare.write_text("Name,Amount\nAsh,10\n", encoding="utf-8")
    assert org.refused("lp", "import", bare) == (
        "dealos: bare.csv, row 1: the header lacks ‘LP name’, ‘LP type’, ‘Contact name’, "
        "‘Contact email’, ‘Fund’, ‘Commitment amount’, ‘Commitment date’; the template's "
        "columns are LP name, LP type, Contact name, Contact email, Fund, Commitment amount, "
        "Commitment date"
    )
    # A rule only the reducers hold is met in the dry run of the whole file, and named by
    # row and column all the same.
    zero = _csv(tmp_path / "zero.csv", [["Oak", "individual", "", "", "Fund I", "0", "2026-03-01"]])
    assert org.refused("lp", "import", zero, "--confirm") == (
        "dealos: zero.csv was not imported, nothing was written: 1 problem, the first: "
        "row 2, column ‘Commitment amount’: a commitment is a positive amount"
    )
    noted = tmp_path / "noted.csv"
    noted.write_text(
        ",".join([*HEADER, "Notes"]) + "\nOak,individual,,,,,,met in March\n", encoding="utf-8"
    )
    assert org.ok("lp", "import", noted) == [
        "column ‘Notes’ is not one the import reads: ignored",
        "row 2: Oak — new LP (individual)",
        "noted.csv would add 1 new LP; nothing is written until you run it again with --confirm",
    ]
    assert org.refused("lp", "import", tmp_path / "missing.csv") == (
        f"dealos: {tmp_path / 'missing.csv'}: no such file"
    )
