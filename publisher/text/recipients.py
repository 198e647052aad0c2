"""Recipients CSVs, read strictly: by ``publisher check`` and by ``send`` alike (issue 14).

An audience may name a CSV of direct recipients (column ``email``). The plan must show exactly
what RCPT TO gets, so the file must stay inside the content folder and every row hold one
bare address; a file that breaks either rule sends nothing and is a ``check`` error.
"""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from ..content.limits import outside
from ..content.model import Content
from ..content.safety import ADDR_RE
from ..errors import Problem, relpath
from .headers import config_line

MAX_CSV_BYTES = 20_000_000
"""Largest recipients CSV read (about 400,000 addresses)."""


def csv_recipients(path: Path, root: Path) -> tuple[list[str], str]:
    """Addresses from a CSV with an ``email`` column, deduplicated, in file order.

    Strict, because the plan must show exactly what RCPT TO gets: the file must be inside
    the content folder (after symlinks), and every address one bare addr-spec; otherwise
    ``ValueError`` names the first bad row and nothing is sent from this file."""
    if outside(path, root):
        raise ValueError("the file is outside the content folder (allowed: a path inside it)")
    if path.stat().st_size > MAX_CSV_BYTES:
        raise ValueError(f"larger than {MAX_CSV_BYTES:,} bytes")
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()[:12]
    seen: dict[str, None] = {}
    # newline="": only CR/LF end a row; str.splitlines also split inside a field at U+2028.
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    if reader.fieldnames is None or "email" not in [f.strip().lower() for f in
                                                    reader.fieldnames]:
        raise ValueError("no 'email' column")
    column = next(f for f in reader.fieldnames if f.strip().lower() == "email")
    for row in reader:
        address = (row.get(column) or "").strip(" \t")
        if not address:
            continue
        if not ADDR_RE.match(address) or len(address) > 254:
            raise ValueError(f"line {reader.line_num}: {address[:80]!r} is not one email "
                             "address (allowed: a single address such as a@example.ac.uk)")
        seen.setdefault(address.lower(), None)
    return list(seen), digest


def recipient_problems(content: Content) -> list[Problem]:
    """Each audience's recipients CSV, checked at ``publisher check`` as ``send`` reads it."""
    problems = []
    for index, audience in enumerate(content.audiences.values()):
        if not audience.recipients_csv:
            continue
        try:
            csv_recipients(content.root / audience.recipients_csv, content.root)
        except (OSError, ValueError, UnicodeDecodeError, csv.Error) as exc:
            where = content.root / "audiences.yml"
            line = config_line(where, "recipients_csv", f"id: {audience.id}")
            problems.append(Problem(relpath(where), line,
                                    f"audiences[{index}].recipients_csv",
                                    f"{audience.recipients_csv}: {exc}", rule="L-recipients"))
    return problems
