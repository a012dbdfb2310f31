"""Find the entities a tip's text names: people, phones, plates, companies, places, DNIs, IMEIs and times.

Pure functions of the text, fast (no model), run on every tip at intake and linked
without a person checking: they must find what people really write (lower case, ALL
CAPS, no accents, no punctuation, operator transcriptions) and suggest little noise.

How each kind is found:

- people: a name after a rank, title or role word ("el técnico quispe mamani", "SGTO.
  QUISPE", "la visita Maribel Flores", "el interno Ccori"), cut at the first word that
  cannot be part of a name (linking.lexicon.NAME_STOPWORDS); a capitalised run that
  starts with a known given name or is made of known surnames ("Juan Carlos Quispe
  Mamani", "Quispe Mamani, Juan", "J. Quispe"); nicknames after "alias", "le dicen",
  "apodado", "conocido como";
- phones: the phonenumbers library's matcher, Peruvian numbers only, never a DNI or an amount;
- plates: "ABC-123", "a1b 234", "AB-1234", trusted in lower case or with a space only near
  "placa" or a vehicle word;
- companies: a legal form ("S.A.C.") or a business noun ("distribuidora", "la empresa")
  followed by a capitalised or quoted trade name;
- places inside a prison: a place noun with a number, letter or direction ("torreón tres",
  "muro de la parte norte"), or a place that needs none ("locutorio", "ingreso de visitas");
- DNIs: 8 digits after "DNI", "D.N.I." or "documento";
- IMEIs: 14 to 16 digits after "IMEI" ("IMEI 35 209900 176148 1"), valid by their check digit;
- times that matter: weekdays, visiting days, shift changes, night and small hours.

Where two findings overlap, the more certain one wins (a plate over a person, a company's
trade name over a person inside it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers

from linking.lexicon import (
    COMMON_WORD_NAMES,
    NOT_PERSON_PHRASES,
    NOT_PERSON_WORDS,
    STREET_WORDS,
    TITLE_FILLERS,
    TITLE_ROLES,
    TRADE_NOUNS,
    is_given_name,
    is_name_stopword,
    is_surname,
)
from linking.normalise import (
    WEEKDAYS,
    fold,
    is_peruvian_number,
    normalise,
    normalise_imei,
    normalise_phone,
    normalise_time,
)

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


@dataclass(frozen=True)
class _Candidate:
    start: int
    end: int
    priority: int  # lower wins an overlap
    suggestion: Suggestion


# Which finding wins where two overlap.
_BY_DNI, _BY_PHONE, _BY_VEHICLE, _BY_NICKNAME, _BY_COMPANY, _BY_TITLE, _BY_PLACE, _BY_NAME, _BY_TIME = range(9)
# An IMEI is written after its name: it wins over a phone or a DNI read inside its digits.
_BY_IMEI = -1


# --- the text, folded but aligned -----------------------------------------------------------------------------


def _plain(text: str) -> str:
    """Return `text` in lower case without accents, one character for each of `text`, so spans carry over."""
    chars = []
    for ch in text:
        base = unicodedata.normalize("NFKD", ch)[:1] or ch
        lowered = base.lower()
        chars.append(lowered if len(lowered) == 1 else ch)
    return "".join(chars)


# A word: letters, with inner hyphens or apostrophes ("Quispe-Mamani", "D'Angelo").
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@dataclass(frozen=True)
class _Word:
    start: int
    end: int
    text: str
    folded: str
    gap: str  # what separates this word from the one before it

    @property
    def capitalised(self) -> bool:
        return self.text[0].isupper()

    @property
    def initial(self) -> bool:
        """A single capital followed by a dot: the "J." of "J. Quispe"."""
        return len(self.text) == 1 and self.text.isupper()


def _words(text: str) -> list[_Word]:
    words: list[_Word] = []
    previous_end = 0
    for match in _WORD.finditer(text):
        words.append(
            _Word(match.start(), match.end(), match.group(), fold(match.group()), text[previous_end : match.start()])
        )
        previous_end = match.end()
    return words


# --- people --------------------------------------------------------------------------------------------------

_STAFF, _VISITOR, _INMATE = "staff", "visitor", "inmate"
_PARTICLES = frozenset({"de", "del", "la", "los", "las", "y"})
_MAX_NAME_WORDS = 4
# A word that reads as a verb or adverb in lower case ("recibe", "cobran", "recibiendo", "rapidamente").
_VERB_LIKE = re.compile(r"(?:a|e|o|an|en|on|ando|iendo|mente)$")


def _is_name_word(word: _Word, *, lower_ok: bool, known_ok: bool = False) -> bool:
    """Whether a word can be part of a name: capitalised, or in lower case when `lower_ok` (or when
    `known_ok` and it is a known given name or surname: "la señora rosa huaman")."""
    if word.folded in NOT_PERSON_WORDS or is_name_stopword(word.folded) or word.folded in TITLE_ROLES:
        return False
    if word.capitalised:
        return True
    if len(word.folded) < 3:
        return False
    known = is_given_name(word.folded) or is_surname(word.folded)
    if not lower_ok:
        return known_ok and known
    # An unknown word in lower case that ends like a verb ("agarra", "introduce", "cobró") ends the name;
    # surnames that end so are mostly among the known ones.
    return known or not _VERB_LIKE.search(word.folded)


def _surname_before_surname(words: list[_Word], index: int, *, lower_ok: bool) -> bool:
    """An unknown word that ends like a verb is still a surname right before a known one: "quspe mamani", "waman
    ccahuana" (a misspelt or rarer first surname, then a known second)."""
    word = words[index]
    if not lower_ok or word.capitalised or index + 1 >= len(words) or not _joins(words[index + 1], word):
        return False
    if word.folded in NOT_PERSON_WORDS or is_name_stopword(word.folded) or word.folded in TITLE_ROLES:
        return False
    following = words[index + 1].folded
    return len(word.folded) >= 4 and is_surname(following) and not is_name_stopword(following)


def _joins(word: _Word, previous: _Word) -> bool:
    """Return whether nothing but spaces (or the dot of an initial or abbreviation) separates two words."""
    gap = word.gap.strip()
    if not gap:
        return True
    if previous.folded in TITLE_ROLES and re.fullmatch(r"\.?\s*\d?", gap):
        return True  # "Sgto. Pérez", "SO2 Quispe"
    return gap == "." and previous.initial


def _name_from(words: list[_Word], first: int, *, lower_ok: bool, known_ok: bool = False) -> int:
    """Return the index after the name that starts at words[first] (first itself if there is none)."""
    index, count = first, 0
    while index < len(words) and count < _MAX_NAME_WORDS:
        word = words[index]
        if index > first and not _joins(word, words[index - 1]):
            break
        if count and word.folded in _PARTICLES and not word.capitalised:
            # "Juan de la Cruz": particles only between capitalised words.
            after = index
            while after < len(words) and words[after].folded in _PARTICLES and _joins(words[after], words[after - 1]):
                after += 1
            if after < len(words) and words[after].capitalised and _is_name_word(words[after], lower_ok=False):
                index = after
                continue
            break
        # A name begun in capitals ends at the first word in lower case: "el reo Fidel Gamarra paga".
        begun_in_capitals = count > 0 and words[first].capitalised
        if not _is_name_word(
            word, lower_ok=lower_ok and not begun_in_capitals, known_ok=known_ok and not begun_in_capitals
        ) and not _surname_before_surname(words, index, lower_ok=lower_ok and not begun_in_capitals):
            break
        index += 1
        count += 1
    return index


def _span_end(text: str, words: list[_Word], end: int) -> int:
    """The end of a name in the text, keeping the dot of a final initial ("Quispe J.")."""
    last = words[end - 1]
    if last.initial and text[last.end : last.end + 1] == ".":
        return last.end + 1
    return last.end


def _titled_people(text: str, words: list[_Word], all_lower: bool) -> Iterator[_Candidate]:
    for index, word in enumerate(words):
        title = TITLE_ROLES.get(word.folded)
        if title is None or (word.folded == "seguridad" and (index == 0 or words[index - 1].folded != "de")):
            continue
        if word.folded == "inpe" and (index == 0 or words[index - 1].folded not in {"de", "del"}):
            continue
        if word.folded == "tal" and (index == 0 or words[index - 1].folded not in {"un", "una", "el", "la"}):
            continue
        if word.folded == "llama" and (index == 0 or words[index - 1].folded != "se"):
            continue
        role, strong = title
        first = index + 1
        for filler in TITLE_FILLERS:
            following = [w.folded for w in words[first : first + len(filler)]]
            if tuple(following) == filler:
                first += len(filler)
                break
        if first >= len(words) or not _joins(words[first], words[first - 1]):
            continue
        end = _name_from(words, first, lower_ok=strong or all_lower, known_ok=True)
        if any(len(w.folded) > 1 for w in words[first:end]):  # not "D. N. I."
            yield _Candidate(
                words[first].start, _span_end(text, words, end), _BY_TITLE, _person(text, words, first, end, role)
            )


def _person(text: str, words: list[_Word], first: int, end: int, role: str) -> Suggestion:
    return Suggestion("person", text[words[first].start : _span_end(text, words, end)], role)


def _looks_like_a_name(run: list[_Word]) -> bool:
    """A capitalised run with no title: a given name then more, known surnames, or an initial and a surname."""
    names = [w for w in run if w.folded not in _PARTICLES]
    if len(names) < 2:
        return False
    first = names[0]
    if first.initial:
        return any(len(w.folded) > 1 for w in names[1:])
    if is_given_name(first.folded):
        # "Rosa" or "Luz" may be a word; with a known name after it, it is a name.
        return first.folded not in COMMON_WORD_NAMES or any(
            is_given_name(w.folded) or is_surname(w.folded) for w in names[1:]
        )
    if all(is_surname(w.folded.split("-")[0]) for w in names):
        return True
    # Surname first without a comma: "Chávez Marco", "Quispe-Mamani Juan Carlos" (known surnames, then given names).
    surnames = 0
    while surnames < len(names) and is_surname(names[surnames].folded.split("-")[0]):
        surnames += 1
    return 0 < surnames < len(names) and all(is_given_name(w.folded) for w in names[surnames:])


# "la esposa de un interno, Maribel Cusi": a relative of an inmate, so a visitor; "el interno, Juan Ccori".
_RELATIVE_OF_INMATE_BEFORE = re.compile(
    r"(?:esposa|esposo|conviviente|pareja|madre|mama|padre|papa|hermana|hermano|hija|hijo|tia|tio|prima|primo"
    r"|novia|familiar|visita|visitante)\s+(?:de|del)\s+(?:(?:un|una|el|la|mi|su)\s+)?"
    r"(?:interno|interna|ppl|reo|preso|presa|recluso|reclusa)\s*,?\s*$"
)
_ROLE_BEFORE = (
    (_RELATIVE_OF_INMATE_BEFORE, _VISITOR),
    (re.compile(r"\b(?:el|la|un|una)\s+(?:interno|interna|ppl|reo|recluso|reclusa)\s*,\s*$"), _INMATE),
    (re.compile(r"\b(?:el|la|un|una)\s+(?:tecnic[oa]|sargento|agente|alcaide|guardia)\s*,\s*$"), _STAFF),
)


def _role_before(text: str, start: int) -> str:
    before = _plain(text[max(0, start - 60) : start])
    for pattern, role in _ROLE_BEFORE:
        if pattern.search(before):
            return role
    return ""


def _untitled_people(text: str, words: list[_Word], all_lower: bool) -> Iterator[_Candidate]:
    """Names with no title before them: "Juan Carlos Quispe Mamani", "Quispe Mamani, Juan", "J. Quispe"."""
    index = 0
    while index < len(words):
        word = words[index]
        starts = word.capitalised or (all_lower and (is_given_name(word.folded) or is_surname(word.folded)))
        if not starts or word.folded in _PARTICLES or not _is_name_word(word, lower_ok=all_lower):
            index += 1
            continue
        previous = words[index - 1] if index else None
        if previous is not None and (previous.folded in STREET_WORDS or (word.initial and len(previous.folded) == 1)):
            index += 1  # "Av. Javier Prado" is a street, "E.P. Cochamarca" a prison
            continue
        end = _name_from(words, index, lower_ok=all_lower)
        run = words[index:end]
        if any(phrase in " ".join(w.folded for w in run) for phrase in NOT_PERSON_PHRASES):
            index = end  # "Miguel Castro Castro" is a prison, and so is any part of it
            continue
        if all_lower and run and not is_given_name(run[0].folded):
            # Lower case or capitals, surname first: "LLANOS CORI LUIS", "vargas rios kelly" (known surname,
            # one or two more, then a known given name).
            known = 1
            while known < min(len(run), 3) and not is_given_name(run[known].folded):
                known += 1
            if known < len(run) and is_given_name(run[known].folded) and known + 1 <= _MAX_NAME_WORDS:
                end, run = index + known + 1, run[: known + 1]
                yield _Candidate(
                    word.start, _span_end(text, words, end), _BY_NAME, _person(text, words, index, end, "")
                )
                index = end
                continue
            index += 1
            continue
        if all_lower:
            # Lower-case text: a given name followed by known surnames only.
            known = 1
            while known < min(len(run), 2) and is_given_name(run[known].folded):
                known += 1
            while known < len(run) and is_surname(run[known].folded):
                known += 1
            end, run = index + known, run[:known]
        # "Quispe Mamani, Juan": the given name after a comma.
        surname_first = (
            end < len(words)
            and words[end].gap.strip() == ","
            and is_given_name(words[end].folded)
            and words[end].capitalised
            and len(run) >= 2
            and all(is_surname(w.folded) for w in run)
        )
        if surname_first:
            end = _name_from(words, end, lower_ok=False)
        if surname_first or _looks_like_a_name(run):
            role = _role_before(text, word.start)
            yield _Candidate(word.start, _span_end(text, words, end), _BY_NAME, _person(text, words, index, end, role))
            index = end
            continue
        index += 1


# A trade name standing alone in quotes, no business noun before it: '"SABOR NORTEÑO" sigue vendiendo'.
_QUOTED_NAME = re.compile(r"[\"“«]([^\"”»\n]{3,40})[\"”»]")


def _quoted_companies(text: str, plain: str) -> Iterator[_Candidate]:
    for match in _QUOTED_NAME.finditer(text):
        before = plain[max(0, match.start() - 25) : match.start()]
        if re.search(r"(?:\b(?:el|la|los|las|alias|apodo|apodad[oa]|dicen|llaman|como)\s*:?\s*)$", before):
            continue  # 'el "Chino"', 'alias "Chato"': a nickname
        previous_word = before.split()[-1:]
        if previous_word and previous_word[0] in TITLE_ROLES:
            continue  # 'el interno "Cara de Niño"': a person's nickname
        words = match.group(1).split()
        folded = [fold(word) for word in words]
        if not 2 <= len(words) <= 4 or any(
            is_name_stopword(word) and word not in _NAME_PARTICLES_IN_COMPANIES for word in folded
        ):
            continue
        if not all(word[:1].isupper() or fold(word) in _NAME_PARTICLES_IN_COMPANIES for word in words):
            continue
        if is_given_name(folded[0]) or is_surname(folded[0]):
            continue  # a person's name in quotes
        yield _Candidate(match.start(1), match.end(1), _BY_COMPANY, Suggestion("company", match.group(1)))


# "La visita con DNI 70314286 (Mendoza)", 'alias "Chato" (Condori)': a known surname alone in brackets.
_BRACKETED_NAME = re.compile(r"\(\s*([A-ZÁÉÍÓÚÑ][a-záéíóúñ]+(?:[\s-]+[A-ZÁÉÍÓÚÑ][a-záéíóúñ]+){0,2})\s*\)")


def _bracketed_people(text: str) -> Iterator[_Candidate]:
    for match in _BRACKETED_NAME.finditer(text):
        words = fold(match.group(1)).replace("-", " ").split()
        if words and all(is_surname(word) or is_given_name(word) for word in words) and is_surname(words[0]):
            yield _Candidate(match.start(1), match.end(1), _BY_NAME, Suggestion("person", match.group(1)))


_NICKNAME = re.compile(
    r"(?:\b(?:apodad[oa]|alias|apodo|chapa|le\s+dicen|les\s+dicen|lo\s+llaman|la\s+llaman|le\s+llaman"
    r"|lo\s+conocen\s+como|la\s+conocen\s+como|conocid[oa]\s+como)|\(a\.?\))"
    r"(?:\s+tambien)?(?:\s+como)?(?:\s+(?:es|era))?\s*:?\s*"
    r"(?:[\"“”«'‘’](?P<quoted>[^\"”»'’\n]{2,30})[\"”»'’]|(?:(?:el|la|los)\s+)?(?P<bare>[^\W\d_]{2,}))"
)


_NICKNAME_MORE = re.compile(r"\s+((?:de\s+|del\s+)?[A-ZÁÉÍÓÚÑ][^\W\d_]+)")


def _nicknames(text: str, plain: str, all_caps: bool) -> Iterator[_Candidate]:
    for match in _NICKNAME.finditer(plain):
        group = "quoted" if match.group("quoted") else "bare"
        end = match.end(group)
        if group == "bare":
            if is_name_stopword(match.group("bare")) and match.group("bare") not in _NICKNAME_WORDS:
                continue
            if text[match.start(group)].isupper() and not all_caps:
                # "alias Cara de Niño", "le dicen Gato Negro": capitalised words that follow belong to it.
                for _ in range(2):
                    more = _NICKNAME_MORE.match(text, end)
                    if more is None or is_name_stopword(fold(more.group(1).split()[-1])):
                        break
                    end = more.end()
        nickname = " ".join(text[match.start(group) : end].split())
        if nickname:
            # Kept as "alias <nickname>", so the mention says itself that it is a nickname (linking.names).
            yield _Candidate(match.start(), end, _BY_NICKNAME, Suggestion("person", f"alias {nickname}"))


# Nicknames that are also everyday adjectives, so in NAME_STOPWORDS: still nicknames after "alias".
_NICKNAME_WORDS = frozenset({"flaco", "gordo", "alto", "bajo", "viejo", "joven", "mayor", "menor"})


# --- phones ----------------------------------------------------------------------------------------------------

_AMOUNT_BEFORE = re.compile(r"(?:s/\.?|us\$|\$|monto de|suma de|cupo de)\s*$")
_PHONE_WORDS_BEFORE = re.compile(
    r"(?:telefono|tel|tlf|fijo|celular|cel|numero|llamar al|llame al|llamen al|al)\W{0,4}$"
)
_AMOUNT_AFTER = re.compile(r"\s*(?:soles|dolares|lucas|mil|nuevos soles|cocos|ctvs)\b")
_DOCUMENT_BEFORE = re.compile(
    r"(?:dni|d\.\s?n\.\s?i|documento|carnet|ruc|expediente|oficio|cuenta)\W{0,8}\w{0,6}\W{0,3}$"
)


def _phones(text: str, plain: str) -> Iterator[_Candidate]:
    for match in phonenumbers.PhoneNumberMatcher(text, "PE", leniency=phonenumbers.Leniency.POSSIBLE):
        raw = match.raw_string.strip()
        digits = "".join(ch for ch in raw if ch.isdigit())
        before, after = plain[max(0, match.start - 24) : match.start], plain[match.end : match.end + 16]
        if _AMOUNT_BEFORE.search(before) or _AMOUNT_AFTER.match(after) or _DOCUMENT_BEFORE.search(before):
            continue
        canonical = normalise_phone(raw)
        if not is_peruvian_number(canonical):
            continue
        if canonical.startswith("+519"):
            # A mobile: 9 digits that start with 9, after the country code if any.
            is_phone = phonenumbers.is_valid_number(match.number) and digits[-9] == "9"
        elif raw.lstrip("(").startswith("0") or raw.startswith("+"):
            # A landline with its area code written: "044 123456", "(01) 4567890".
            is_phone = phonenumbers.is_valid_number(match.number)
        else:
            # 7 or 8 bare digits are more often a DNI, an amount or a code than a phone; 7 after a phone word
            # are a Lima number dialled locally ("llamar al 4567890").
            is_phone = len(digits) == 7 and _PHONE_WORDS_BEFORE.search(before) is not None
        if is_phone:
            yield _Candidate(match.start, match.end, _BY_PHONE, Suggestion("phone", raw))


# --- IMEIs ----------------------------------------------------------------------------------------------------

_IMEI = re.compile(
    r"\bimei(?:\s*sv)?\b\.?(?:\s*(?:n\.?\s?[°ºo]?\.?|nro\.?|numero|num\.?|es|el|:|#)\s*)*\s*"
    r"(?P<imei>\d(?:[\s\-/.]?\d){13,15})(?!\d)"
)


def _imeis(plain: str, text: str) -> Iterator[_Candidate]:
    for match in _IMEI.finditer(plain):
        written = text[match.start("imei") : match.end("imei")]
        if normalise_imei(written):
            yield _Candidate(match.start("imei"), match.end("imei"), _BY_IMEI, Suggestion("imei", written))


# --- DNIs ----------------------------------------------------------------------------------------------------

_DNI = re.compile(
    r"(?:\bd\.?\s?n\.?\s?i\b\.?|\bdocumento(?:\s+(?:de\s+)?identidad)?|\bdoc\.|\bidentificad[oa]\s+con(?:\s+el)?)"
    r"(?:\s*(?:n\.?\s?[°ºo]?\.?|nro\.?|numero|num\.?|es|el|:|#)\s*)*\s*"
    r"(?P<dni>\d{8}(?:\s*-\s*\d)?)(?!\d)"
)


def _dnis(plain: str, text: str) -> Iterator[_Candidate]:
    for match in _DNI.finditer(plain):
        yield _Candidate(
            match.start("dni"),
            match.end("dni"),
            _BY_DNI,
            Suggestion("dni", text[match.start("dni") : match.end("dni")]),
        )


# --- plates ----------------------------------------------------------------------------------------------------

_PLATE = re.compile(
    r"(?<![\w/-])(?P<plate>(?P<head>[a-z][a-z0-9]{2})(?P<sep>[\s-]?)\d{3}|[a-z]{2}(?P<old>-)\d{4})(?![\w/-])"
)
_VEHICLE_CONTEXT = re.compile(
    r"\b(?:placas?|camion\w*|auto|autos|carro|carros|moto|motos|mototaxi\w*|camioneta\w*|combi\w*|vehiculo\w*"
    r"|minivan|station|furgon\w*|bus|custer|taxi|cisterna|volquete)\b"
)
# Three-letter words and abbreviations that come before a number in tips, never a plate.
_NOT_PLATE_HEADS = frozenset(
    {
        *("pab", "mod", "pta", "nro", "num", "cel", "tel", "dni", "art", "ruc", "dia", "las", "los", "del", "con"),
        *("por", "son", "hay", "mas", "sus", "que", "les", "una", "uno", "dos", "mil", "cap", "exp", "ofi", "ley"),
        *("pag", "sgt", "tco", "tec", "amb", "max", "min", "hrs", "cod", "lot", "mza", "jir", "urb", "dio", "fue"),
        *("era", "vio", "van", "dan", "mes", "ano", "sol", "cada", "aca", "ahi", "asi", "les", "nos", "ese", "esa"),
        *("por", "pab", "tel", "inc", "tco", "ppl", "reo", "seg", "kgs", "grs", "cms", "mts", "km", "kg", "gr"),
    }
)


_CODE_BEFORE = re.compile(
    r"\b(?:codigo|cod|factura|boleta|serie|expediente|exp|oficio|caso|resolucion|lote|modelo|ticket|guia)\b"
    r"[^\n]{0,20}$"
)


def _plates(text: str, plain: str, all_caps: bool) -> Iterator[_Candidate]:
    for match in _PLATE.finditer(plain):
        written = text[match.start("plate") : match.end("plate")]
        head = match.group("head") or written[:2].lower()
        if head in _NOT_PLATE_HEADS or _AMOUNT_AFTER.match(plain, match.end()):
            continue
        if _CODE_BEFORE.search(plain, max(0, match.start() - 40), match.start()):
            continue  # "el código XYZ-999", "la factura F001-123"
        context = _VEHICLE_CONTEXT.search(plain[max(0, match.start() - 60) : match.start()]) is not None
        upper = written.upper() == written
        mixed = any(ch.isdigit() for ch in head)
        joined = not match.group("sep") and not match.group("old") or match.group("sep") == "-"
        if not (context or mixed or (upper and joined) or (upper and not all_caps)):
            continue
        yield _Candidate(match.start("plate"), match.end("plate"), _BY_VEHICLE, Suggestion("vehicle", written))


# --- companies -------------------------------------------------------------------------------------------------

_LEGAL_FORM = r"(?:s\.?\s?a\.?\s?c\.?|s\.?\s?a\.?\s?a\.?|e\.?\s?i\.?\s?r\.?\s?l\.?|s\.?\s?r\.?\s?l\.?|s\.\s?a\.)(?!\w)"
# Business nouns that are part of a trade name ("Distribuidora Santa Rosa"), and generic ones that are not.
_TRADE_NOUNS = "|".join(TRADE_NOUNS)
_GENERIC_NOUNS = "empresa|proveedora?|concesionari[oa]|contratista|negocio|compania|firma"
_COMPANY_START = re.compile(rf"\b(?:{_GENERIC_NOUNS}|{_TRADE_NOUNS})\b")
_NAME_PARTICLES_IN_COMPANIES = frozenset({"de", "del", "la", "el", "los", "las", "y", "e", "&"})
_LEGAL_FORM_AT = re.compile(rf"\s*,?\s*{_LEGAL_FORM}")


# Words that end a trade name however they are written: what follows a company in tips (its vehicle, its
# driver, the prison), never part of its name.
_AFTER_COMPANY = frozenset(
    {
        *("camion", "camioneta", "auto", "carro", "moto", "mototaxi", "combi", "vehiculo", "bus", "furgoneta"),
        *("chofer", "conductor", "dueno", "duena", "encargado", "encargada", "trabajador", "trabajadores"),
        *("inpe", "penal", "sigue", "siguen", "tambien", "ahi", "alli", "aqui", "frente", "cerca", "junto"),
    }
)
# What may open a trade name before its name word: "El Trigal", "La Sazón de Mary", "bodega Don Lucho".
_LEADING_ARTICLES = frozenset({"el", "la", "los", "las", "don", "dona"})


def _company_words(text: str, start: int, all_caps: bool, all_lower: bool = False) -> int:
    """Return the end of a trade name starting at `start` (start itself if there is none).

    Capitalised words ("Santa Rosa", "El Trigal"), or, in a text written all in lower
    case, words that are not common words ("la bodega don lucho ahí"); at most five,
    ending at a comma or full stop, a number, or a word that follows companies (its
    truck, its driver).
    """
    end, count, position = start, 0, 0
    for match in re.finditer(r"\S+", text[start:]):
        raw = match.group()
        word = raw.strip('"“”«»()').rstrip(",.;:")
        folded = fold(word)
        position += 1
        if not word or count >= 5 or folded in _AFTER_COMPANY or any(ch.isdigit() for ch in word):
            break
        if folded in _NAME_PARTICLES_IN_COMPANIES or (position == 1 and folded in _LEADING_ARTICLES):
            if position == 1 and folded in _LEADING_ARTICLES:
                continue  # "El Trigal", "Don Lucho": kept only if a name word follows
            if count and not (all_lower and folded in {"los", "las", "y", "e"}):
                continue  # "Alimentos del Sur", "la sazon de mary"
            break
        capitalised = word[0].isupper()
        if not (capitalised or all_lower) or (is_name_stopword(folded) and (all_caps or not capitalised)):
            break
        if not capitalised and len(folded) < 3:
            break
        count += 1
        end = start + match.start() + len(raw.rstrip(",.;:)"))
        if raw.rstrip(")") != raw.rstrip(",.;:)") or raw.endswith(":"):
            break  # a comma or full stop ends the name
    return end


def _companies(text: str, plain: str, all_caps: bool, all_lower: bool = False) -> Iterator[_Candidate]:
    taken: list[tuple[int, int]] = []
    for match in _COMPANY_START.finditer(plain):
        noun = match.group()
        name_start = match.end()
        rest = plain[name_start:]
        skip = re.match(rf"(?:\s+y\s+(?:{_TRADE_NOUNS}))?\s+(?:de\s+)?(?:(?:{_TRADE_NOUNS})\s+(?:de\s+)?)?", rest)
        if not skip:
            continue
        name_start += skip.end()
        trade_noun_start = None
        if re.fullmatch(_TRADE_NOUNS, noun):
            trade_noun_start = match.start()
        elif skip.group().strip().replace("de", "").strip():
            trade = re.search(_TRADE_NOUNS, plain[match.end() : name_start])
            trade_noun_start = match.end() + trade.start() if trade else None
        quoted = re.match(r"[\"“«'‘]([^\"”»'’\n]{2,40})[\"”»'’]", text[name_start:])
        if quoted:
            name_end = name_start + quoted.end()
            value_start = trade_noun_start if trade_noun_start is not None else name_start + 1
            value = (
                text[value_start:name_end].replace(quoted.group(0), quoted.group(1))
                if trade_noun_start is not None
                else quoted.group(1)
            )
            end = name_end
        else:
            if all_lower and re.search(r"\bde\s*$", plain[match.end() : name_start]):
                continue  # "la tienda de abarrotes", "la bodega de la esquina": what it sells, not its name
            end = _company_words(text, name_start, all_caps, all_lower)
            if end == name_start:
                continue
            name_words = fold(text[name_start:end]).split()
            if all(is_name_stopword(w) or w in _NAME_PARTICLES_IN_COMPANIES for w in name_words):
                continue  # "en la tienda El técnico...": no name after the noun
            if is_given_name(name_words[0]) and (trade_noun_start is None or " de " in plain[match.end() : name_start]):
                continue  # "el proveedor Juan Quispe", "la tienda de Juan": a person
            value_start = trade_noun_start if trade_noun_start is not None else name_start
            value = text[value_start:end]
        legal = _LEGAL_FORM_AT.match(plain, end)
        if legal:
            end = legal.end()
        value = re.sub(rf"(?i)\s*,?\s*{_LEGAL_FORM}$", "", value.strip()) or value
        taken.append((match.start(), end))
        yield _Candidate(match.start(), end, _BY_COMPANY, Suggestion("company", value.strip()))
    # A capitalised name with a legal form and no business noun: "Los Andes S.A.C."
    for match in re.finditer(rf"(?<!\w){_LEGAL_FORM}", plain):
        if any(start <= match.start() < end for start, end in taken):
            continue
        before = text[: match.start()].rstrip(" ,")
        words = re.findall(r"\S+", before)
        kept: list[str] = []
        for word in reversed(words[-5:]):
            folded = fold(word)
            if word[:1].isupper() or (kept and folded in _NAME_PARTICLES_IN_COMPANIES):
                if not kept and word.rstrip(".,") != word:
                    break
                kept.insert(0, word)
                continue
            break
        while kept and (fold(kept[0]) == "empresa" or kept[0].islower()):
            kept.pop(0)
        if kept:
            value = " ".join(kept)
            start = before.rfind(value)
            yield _Candidate(start, match.end(), _BY_COMPANY, Suggestion("company", value))


# --- places ----------------------------------------------------------------------------------------------------

# Nouns that name a place only with a number, letter or direction ("pabellón 4", "torre norte").
_NUMBERED_PLACES = (
    r"pabellon(?:es)?|pab\.?|modulo|mod\.|puerta|pta\.|porton|torreon|torre|garita|celda|patio|sector|bloque"
    r"|ambiente|locutorio|taller|muro|pared|muralla|zona|piso|ingreso|entrada"
)
# Places that are places by themselves.
_PLAIN_PLACES = (
    r"locutorios?|topico|talleres|taller(?:\s+de\s+(?!la\b|los\b|las\b|el\b|su\b|un\b|una\b)[a-z]{4,})?|rancho|cocina|capilla|biblioteca|lavanderia|muro|muralla|patio|garita"
    r"|(?:ingreso|entrada)\s+de\s+(?:las\s+)?visitas?|(?:zona|area|sala)\s+de\s+(?:revision|requisa)"
    r"|(?:puerta|porton)\s+de\s+(?:ingreso|servicio)"
    r"|(?:pabellon|modulo|zona|area|celdas?|sector)\s+de\s+(?:mujeres|varones|maxima\s+seguridad|aislamiento|castigo"
    r"|observacion|ingresos|meditacion)"
)
_NUMBER = (
    r"\d{1,3}(?:\s?-?\s?[a-z]\b)?|[ivx]{1,6}\b|[a-h]\b|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez"
    r"|once|doce|trece|catorce|quince|veinte|primer[oa]?|segund[oa]|tercer[oa]?|cuart[oa]|quint[oa]"
)
_DIRECTION = (
    r"de\s+atras|norte|sur|este|oeste|principal|posterior|lateral|traser[oa]|delanter[oa]|central|vehicular|peatonal"
)
_PLACE = re.compile(
    rf"\b(?:(?P<noun>{_NUMBERED_PLACES})\s*(?:n[°º.]\s*|nro\.?\s*|numero\s+|#\s*)?"
    rf"(?:(?P<number>{_NUMBER})|(?:(?:de\s+la\s+parte|del\s+lado|de\s+la\s+zona|lado)\s+)?(?P<direction>{_DIRECTION})\b)"
    rf"|(?P<plain>{_PLAIN_PLACES})\b)"
)
# "del pabellón 2" after a place: one place, "patio del pabellón 2".
_OF_PLACE = re.compile(r"\s+(?:de\s+la|del|de)\s+$")


# Nouns after which a lower-case letter is the place's letter ("pabellon b"); after "puerta" or "torre",
# "a" or "y" are words ("la puerta a las 10").
_LETTERED_PLACES = frozenset({"pabellon", "pabellones", "pab", "pab.", "modulo", "mod.", "bloque", "sector"})
# "de su casa": a kitchen or a yard named with "de" after it is the prison's only when the prison follows.
_OF_THE_PRISON = re.compile(rf"\s+(?:de\s+la|del|de)\s+(?:{_NUMBERED_PLACES}|penal|establecimiento|e\.?p\b)")


def _place_end(text: str, match: re.Match[str]) -> int | None:
    """Return where a matched place ends, or None if its "number" is a word ("la puerta a las 10")."""
    number = match.group("number")
    if number is None:
        plain = match.group("plain")
        if plain in {"cocina", "patio", "rancho", "muro", "muralla"} and re.match(
            r"\s+de", match.string[match.end() :]
        ):
            return match.end() if _OF_THE_PRISON.match(match.string, match.end()) else None
        return match.end()
    written = text[match.start("number") : match.end("number")]
    if re.fullmatch(r"\d+\s[a-z]", number) and (written[-1].islower() or written[-1] in "YAEO"):
        return match.end("number") - 2  # "pabellón 5 y": the place ends at its number
    # A lower-case letter is the place's letter only after "pabellón" and the like, and never a vowel or
    # "y", which are words.
    is_lower_letter = len(number) == 1 and number.isalpha() and not written.isupper()
    if is_lower_letter and (match.group("noun") not in _LETTERED_PLACES or number in "aeiouy"):
        return None
    return match.end()


# "el lado norte del muro", "la parte sur de la pared": the side of a wall, written before it.
_SIDE_OF = re.compile(r"\b(?:lado|parte|sector)\s+(?:norte|sur|este|oeste)\s+(?:del|de\s+la)\s+$")


def _places(text: str, plain: str) -> Iterator[_Candidate]:
    previous: _Candidate | None = None
    for match in _PLACE.finditer(plain):
        end = _place_end(text, match)
        if end is None:
            continue
        start = match.start()
        if previous is not None and _OF_PLACE.fullmatch(plain[previous.end : start]):
            # "el patio del pabellón 2": one place.
            previous = _Candidate(previous.start, end, _BY_PLACE, Suggestion("place", text[previous.start : end]))
            continue
        if previous is not None:
            yield previous
        side = _SIDE_OF.search(plain[max(0, start - 30) : start])
        if side is not None:
            start -= len(side.group())  # "el lado norte del muro": the north wall
        previous = _Candidate(start, end, _BY_PLACE, Suggestion("place", text[start:end]))
    if previous is not None:
        yield previous


# --- times -----------------------------------------------------------------------------------------------------

_TIME = re.compile(
    r"\b(?:(?P<weekday>(?:" + "|".join(WEEKDAYS) + r")s?)"
    r"|(?:dias?|horario|hora|horas)\s+de\s+(?:la\s+)?visitas?|(?:en|durante|para)\s+(?:la|las)\s+visitas?"
    r"|visitas?(?=\s+(?:de\s+los|del)\s+(?:" + "|".join(WEEKDAYS) + r"))|visitas?\s+(?:familiar|intima|femenina)e?s?"
    r"|(?:cambios?|entrega|relevos?)\s+de\s+(?:turno|guardia|personal)|relevos?"
    r"|(?:cuando\s+)?cambi(?:an|ar|a)\s+(?:de\s+|el\s+|la\s+)?(?:turno|guardia)"
    r"|(?:por|de|en|a|durante|todas)\s+(?:la|las)\s+noches?|(?:de|cada|esa)\s+noche|(?:turno|guardia)\s+(?:de\s+)?noche"
    r"|medianoche|(?<!buenas\s)noches?"
    r"|(?:por|de|en|a|durante)\s+(?:la|las)\s+madrugadas?|madrugadas?"
    r"|\d{1,2}(?::\d\d)?\s*(?:p\.?\s?m\b\.?|a\.?\s?m\b\.?|de\s+la\s+(?:noche|madrugada)|horas|hrs\b\.?|h\b)"
    r"|\d{1,2}:\d\d)"
)


def _times(text: str, plain: str) -> Iterator[_Candidate]:
    for match in _TIME.finditer(plain):
        written = text[match.start() : match.end()]
        if match.group("weekday") and written.istitle() and re.match(r"\s+[A-ZÁÉÍÓÚÑ][a-záéíóúñ]", text[match.end() :]):
            continue  # "Domingo Quispe" is a man
        if written.endswith(("visita", "visitas")) and re.match(r"\s+[A-ZÁÉÍÓÚÑ][a-záéíóúñ]", text[match.end() :]):
            continue  # "en la visita Maribel trajo": the visitor, not the visiting day
        if normalise_time(written):
            yield _Candidate(match.start(), match.end(), _BY_TIME, Suggestion("time", written))


# --- the extraction ------------------------------------------------------------------------------------------


def _is_mostly_upper_case(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) > 0.7 * len(letters)


def _candidates(text: str) -> list[_Candidate]:
    plain = _plain(text)
    all_caps = _is_mostly_upper_case(text)
    # In a tip written in capitals, read names as if in lower case: every word looks like a name there.
    name_text = "".join(ch.lower()[:1] for ch in text) if all_caps else text
    all_lower = all_caps or not any(ch.isupper() for ch in text)
    # No capitalised word ("Santa"): the writer does not capitalise names (plates and codes aside).
    uncapitalised = not all_caps and not re.search(r"\b[A-ZÁÉÍÓÚÑ][a-záéíóúñü]", text)
    words = _words(name_text)
    return [
        *_imeis(plain, text),
        *_dnis(plain, text),
        *_phones(text, plain),
        *_plates(text, plain, all_caps),
        *_nicknames(text, plain, all_caps),
        *_companies(text, plain, all_caps, uncapitalised),
        *_quoted_companies(text, plain),
        *_titled_people(text, words, all_lower),
        *_places(text, plain),
        *_untitled_people(text, words, all_lower),
        *_bracketed_people(text),
        *_times(text, plain),
    ]


# What the whistleblower writes about themselves ("mi número es ...", "me llamo ...", "llámenme al ..."): their
# own identifiers are never kept as entities, so automatic linking never joins one person's reports together
# (their contact, if they give one, is the separate contact field, sealed like the rest).
_ABOUT_ONESELF = re.compile(
    r"(?:\b(?:mi|mis)\s+(?:(?:numero|celular|telefono|cel|fono|whatsapp|wsp|dni|documento|nombre)s?)"
    r"|\bme\s+llamo|\bsoy(?:\s+(?:el|la))?|\bmi\s+nombre\s+es|\bll[aá]m(?:e|a)nme|\bll[aá]mame|\bcontactarme"
    r"|\bcomunicarse\s+conmigo|\bescr[ií]b(?:a|e)nme|\bmi\s+contacto)"
    r"(?:\s+(?:es|son|al|a|el|la|n[°º.]?|nro\.?|numero|:))*\s*:?\s*$"
)
_SELF_KINDS = frozenset({"phone", "dni", "person"})


def _about_oneself(text: str, candidate: _Candidate) -> bool:
    return candidate.suggestion.kind in _SELF_KINDS and bool(
        _ABOUT_ONESELF.search(_plain(text[max(0, candidate.start - 40) : candidate.start]))
    )


def _found(text: str) -> list[tuple[int, Suggestion]]:
    """Return what the text names with where it starts, overlaps resolved for the more certain finding."""
    kept: list[_Candidate] = []
    candidates = [candidate for candidate in _candidates(text) if not _about_oneself(text, candidate)]
    for candidate in sorted(candidates, key=lambda c: (c.priority, c.start)):
        if any(candidate.start < other.end and other.start < candidate.end for other in kept):
            continue
        kept.append(candidate)
    return [(c.start, c.suggestion) for c in kept]


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
