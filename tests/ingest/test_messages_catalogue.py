"""Every message of the ingest catalogue reads in Vietnamese.

A name the translation tools do not know (an alias such as `L = gettext_lazy`) leaves its
strings out of `make messages`: the next extraction marks their translations obsolete, and
admins read the errors of their files in English. This keeps the catalogue's texts translated
in the committed catalogue, whatever wrote them.
"""

from django.utils import translation

from ingest.messages import CATALOGUE


def test_every_message_and_fix_of_the_catalogue_has_a_vietnamese_text():
    untranslated = []
    for key, (_severity, message, fix) in CATALOGUE.items():
        for text in (message, fix):
            with translation.override("en"):
                english = str(text)
            with translation.override("vi"):
                vietnamese = str(text)
            if english and vietnamese == english:
                untranslated.append((key, english))
    assert untranslated == []
