"""The Dutch catalog can only hold what makemessages finds."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SKIP = {".venv", "node_modules", "var", "staticfiles", "migrations"}
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def test_no_translated_string_sits_inside_an_f_string():
    """xgettext does not look inside f-strings: a _("...") there is dropped from the catalog by the next
    makemessages, and the page shows English."""
    found = []
    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.JoinedStr):
                found += [
                    f"{path.relative_to(ROOT)}:{call.lineno}" for call in ast.walk(node)
                    if isinstance(call, ast.Call) and getattr(call.func, "id", None) in GETTEXT
                ]
    assert found == []


def test_the_dutch_texts_address_the_reader_as_je_throughout():
    """The portal says "je" to everyone, pupils and staff alike; a formal "u" or "uw" in one text makes a page mix both."""
    import gettext
    import re

    formal = re.compile(r"\b(u|uw|Uw)\b")  # "U" alone is also a code point's "U+..."
    with open(ROOT / "locale/nl/LC_MESSAGES/django.mo", "rb") as compiled:
        texts = [text for text in gettext.GNUTranslations(compiled)._catalog.values() if text]
    assert [text for text in texts if formal.search(text)] == []
