"""Vietnamese is the UI's first language: every string translated, the compiled catalogue current.

The compiled .mo files are committed (a fresh machine may lack gettext), so a .po edited
without recompiling would silently show stale text: these tests catch that.
"""

import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
ENTRY = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')


def _po_entries(path: Path) -> list[dict]:
    """Parse a .po file into entries (small parser: the project has no polib dependency)."""
    entries, current, key, fuzzy = [], {}, None, False
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if current:
                current["fuzzy"] = fuzzy
                entries.append(current)
            current, key, fuzzy = {}, None, False
        elif line.startswith("#,"):
            fuzzy = "fuzzy" in line
        elif line.startswith("#"):
            continue
        elif match := ENTRY.match(line):
            key = match.group(1)
            current[key] = match.group(2)
        elif line.startswith('"') and key:
            current[key] += line[1:-1]
    return [e for e in entries if e.get("msgid")]


def _unescape(text: str) -> str:
    return text.encode("utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def test_every_vietnamese_string_is_translated():
    entries = _po_entries(LOCALE / "vi" / "LC_MESSAGES" / "django.po")
    assert len(entries) > 300
    untranslated = [e["msgid"] for e in entries if not (e.get("msgstr") or e.get("msgstr[0]"))]
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy


@pytest.mark.parametrize("language", ["vi"])
def test_compiled_catalogue_matches_the_po_file(language):
    folder = LOCALE / language / "LC_MESSAGES"
    with (folder / "django.mo").open("rb") as fh:
        catalogue = gettext.GNUTranslations(fh)
    stale = []
    for entry in _po_entries(folder / "django.po"):
        if "msgid_plural" in entry or "msgctxt" in entry:
            continue
        msgid, msgstr = _unescape(entry["msgid"]), _unescape(entry.get("msgstr", ""))
        if catalogue.gettext(msgid) != msgstr:
            stale.append(msgid)
    assert not stale, f"recompile with `make messages`: {stale[:5]}"
