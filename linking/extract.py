"""Suggest the entities a tip's text names, for the investigator to record with one click.

Pure functions of the text, run only while a member reads the tip (the text is never
stored in the clear for this). They look for what tips in Peru usually carry: mobile
and landline numbers, vehicle plates, capitalised names after a rank or title ("el
técnico Juan Ramos", "Sgto. Pérez"), nicknames after "apodado", "alias" or "le dicen",
companies with a legal form ("Transportes El Sol S.A.C."), and places ("pabellón 4").
They prefer missing something to suggesting noise: the investigator can always type
an entity by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from linking.normalise import fold, is_peruvian_number, normalise, normalise_phone

# --- what a suggestion is ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """An entity found in a tip's text: its kind and role (values of linking.models) and the text as written."""

    kind: str
    value: str
    role: str = ""

    @property
    def normalised(self) -> str:
        return normalise(self.kind, self.value)


# --- the patterns --------------------------------------------------------------------------------------------

_UPPER = "A-ZÁÉÍÓÚÑÜ"
_LOWER = "a-záéíóúñü"
# A word of a name: "Ramos", "RAMOS" or "Ñañez"; particles (de, del, de la) may join them.
_NAME_WORD = rf"(?:[{_UPPER}][{_LOWER}]+|[{_UPPER}]{{2,}})(?![\w-])"
_NAME = rf"{_NAME_WORD}(?:(?:\s+(?:de\s+la|de\s+los|del|de))?\s+{_NAME_WORD}){{0,3}}"

_STAFF_TITLES = (
    r"t[ée]cnic[oa]|tco\.|t[ée]c\.|sargento|sgto\.?|sgt\.?|suboficial|s\.?o\.|alcaide|"
    r"agente(?:\s+penitenciari[oa])?|capit[áa]n|cap\.|teniente|tnte\.?|guardia|vigilante|director[a]?|jef[ea]"
)
_OTHER_TITLES = r"sr\.?|sra\.?|srta\.?|señor(?:a|ita)?|don|doña|intern[oa]|ppl|reo|visitante"
_PERSON_AFTER_TITLE = re.compile(
    rf"(?<![\w.])(?i:(?P<title>{_STAFF_TITLES}|{_OTHER_TITLES}))\s+(?P<name>{_NAME})",
)
_NICKNAME = re.compile(
    r"(?i:\b(?:apodad[oa]|alias|le\s+dicen|lo\s+llaman|le\s+llaman|conocid[oa]\s+como)(?:\s+tambi[ée]n)?)\s+"
    r"(?:[\"“«'‘](?P<quoted>[^\"”»'’\n]{2,40})[\"”»'’]"
    rf"|(?P<bare>(?:(?i:el|la)\s+)?{_NAME_WORD}))"
)
_PLACE = re.compile(
    r"(?<!\w)(?i:(?P<noun>pabell[oó]n|pab\.|puerta|torre|m[oó]dulo))\s*"
    r"(?i:n[°º.]\s*|nro\.?\s*|n[uú]mero\s+)?"
    r"(?P<id>\d{1,3}(?:-?[A-Z]|-[a-z])?|[IVX]{1,5}|[A-H])(?![\w-])"
)
_SEP = r"[\s.-]?"
_PHONE = re.compile(
    r"(?<![\w+])(?P<phone>"
    # A mobile: 9 digits starting with 9, with or without +51 / 0051 / 51.
    rf"(?:(?:\+|00)?\s?51{_SEP})?9\d\d{_SEP}\d{{3}}{_SEP}\d{{3}}"
    # A Lima landline: (01) 234-5678, 01 234 5678, +51 1 234 5678.
    rf"|(?:(?:\+|00)\s?51{_SEP}\(?0?1\)?|\(?01\)?){_SEP}\d{{3}}{_SEP}\d{{4}}"
    # A provincial landline: (044) 123456, 044-123-456, +51 44 123456.
    rf"|(?:(?:\+|00)\s?51{_SEP}\(?0?[2-8]\d\)?|\(?0[2-8]\d\)?){_SEP}\d{{3}}{_SEP}\d{{3}}"
    r")(?![\w])"
)
# Upper-case plates anywhere ("ABC-123", "A1B-234", "AB-1234"); any case right after "placa".
_PLATE = re.compile(
    r"(?<![\w-])(?P<plate>[A-Z][A-Z0-9]{2}-\d{3}|[A-Z]{3}\d{3}|[A-Z]\d[A-Z]\d{3}|[A-Z]{2}-\d{4})(?![\w-])"
)
_PLATE_AFTER_WORD = re.compile(
    r"(?i:\bplacas?)\s*(?i:n[°º.]\s*|nro\.?\s*|de\s+)?"
    r"(?P<plate>[A-Za-z][A-Za-z0-9]{2}[\s-]?\d{3}|[A-Za-z]{2}-?\d{4})(?![\w-])"
)
_COMPANY = re.compile(
    rf"(?P<company>(?:[{_UPPER}][\w&]*\s+(?:(?:de|del|y|la|el)\s+)?){{1,4}}"
    r"(?:S\.\s?A\.\s?C\.|S\.A\.|E\.\s?I\.\s?R\.\s?L\.|S\.\s?R\.\s?L\.|SAC|EIRL|SRL|SAA))(?!\w)"
)

# Capitalised words that start a sentence or a clause, never a name.
_NOT_NAMES = frozenset(
    {
        *("el", "la", "los", "las", "en", "y", "de", "del", "que", "con", "por", "para", "al", "se", "lo", "le"),
        *("un", "una", "su", "sus", "me", "mi", "no", "si", "es", "ya", "pero", "cuando", "porque", "como"),
        *("donde", "hay", "ese", "esa", "este", "esta"),
    }
)
# Titles that may open a matched name ("agente INPE Juan Ramos"): dropped from the suggestion.
_TITLES_IN_NAMES = frozenset({"inpe", "tecnico", "sargento", "agente", "penitenciario", "suboficial", "alcaide"})
_IS_STAFF_TITLE = re.compile(rf"(?i:{_STAFF_TITLES})")
_IS_INMATE_TITLE = re.compile(r"(?i:intern[oa]|ppl|reo)")


def _role_for_title(title: str) -> str:
    if _IS_STAFF_TITLE.fullmatch(title):
        return "staff"
    if _IS_INMATE_TITLE.fullmatch(title):
        return "inmate"
    if fold(title) == "visitante":
        return "visitor"
    return ""


def _clean_name(name: str, *, max_words: int) -> str:
    """Cut a matched name at the first word that cannot be part of it, and drop leading titles."""
    words = name.split()
    kept: list[str] = []
    for word in words:
        folded = fold(word)
        if folded in _NOT_NAMES and word[0].isupper():
            break
        if not kept and folded in _TITLES_IN_NAMES:
            continue
        kept.append(word)
    while kept and fold(kept[-1]) in {"de", "del", "la", "los"}:
        kept.pop()
    capitalised = [w for w in kept if w[0].isupper()]
    if len(capitalised) > max_words:
        kept = kept[: kept.index(capitalised[max_words])]
    return " ".join(kept)


def _is_mostly_upper_case(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) > 0.7 * len(letters)


# --- the extraction ------------------------------------------------------------------------------------------


def _found(text: str) -> list[tuple[int, Suggestion]]:
    found: list[tuple[int, Suggestion]] = []
    # In a tip written in capitals every word looks like a name: keep names short there.
    max_name_words = 2 if _is_mostly_upper_case(text) else 4
    for match in _PERSON_AFTER_TITLE.finditer(text):
        name = _clean_name(match.group("name"), max_words=max_name_words)
        if name:
            found.append((match.start(), Suggestion("person", name, _role_for_title(match.group("title")))))
    for match in _NICKNAME.finditer(text):
        nickname = " ".join((match.group("quoted") or match.group("bare") or "").split())
        if nickname:
            found.append((match.start(), Suggestion("person", nickname)))
    for match in _PHONE.finditer(text):
        phone = match.group("phone").strip()
        if is_peruvian_number(normalise_phone(phone)):
            found.append((match.start(), Suggestion("phone", phone)))
    for pattern in (_PLATE, _PLATE_AFTER_WORD):
        for match in pattern.finditer(text):
            found.append((match.start("plate"), Suggestion("vehicle", match.group("plate"))))
    for match in _COMPANY.finditer(text):
        found.append((match.start(), Suggestion("company", match.group("company").strip())))
    for match in _PLACE.finditer(text):
        found.append((match.start(), Suggestion("place", f"{match.group('noun')} {match.group('id')}")))
    return found


def suggest_entities(text: str) -> list[Suggestion]:
    """Return the entities `text` seems to name, in the order they appear, each once.

    Two suggestions that normalise alike ("Sgto. Pérez" twice, "987 654 321" and
    "987654321") are one; the first spelling is kept, with the first role found.
    """
    by_key: dict[tuple[str, str], Suggestion] = {}
    for _position, suggestion in sorted(_found(text), key=lambda pair: pair[0]):
        key = (suggestion.kind, suggestion.normalised)
        if not key[1]:
            continue
        first = by_key.get(key)
        if first is None:
            by_key[key] = suggestion
        elif not first.role and suggestion.role:
            # "el Sr. Ramos ... el técnico Ramos": the same person, and now we know they are staff.
            by_key[key] = Suggestion(first.kind, first.value, suggestion.role)
    return list(by_key.values())
