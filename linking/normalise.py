"""Normalise what an investigator records, so that the same person, phone, vehicle, company or
place written different ways gives the same keyed pseudonym (DESIGN.md section 4).

Pure functions of the text only, no database and no keys. Each returns the canonical
form, or "" when nothing recognisable is left. They err towards precision: two
different people must never meet ("Juan Ramos" and "Juan Ramírez" stay apart), so
only what certainly carries no identity is dropped (accents, case, punctuation,
ranks and titles, company legal forms, the spelling of a phone number).
"""

from __future__ import annotations

import re
import unicodedata

from linking.lexicon import TRADE_NOUNS

# --- shared folding ---------------------------------------------------------------------------------

_QUOTES = "\"'“”‘’«»`´"


def fold(text: str) -> str:
    """Return `text` without accents, in lower case, with punctuation as spaces and single spaces.

    "ñ" becomes "n": people type "Pena" for "Peña" as often as not.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    lowered = without_marks.casefold()
    spaced = "".join(ch if ch.isalnum() else " " for ch in lowered)
    return " ".join(spaced.split())


def _tokens(text: str) -> list[str]:
    return fold(text).split()


# --- people -----------------------------------------------------------------------------------------

# Ranks, titles, honorifics and role nouns that precede a name in tips, folded.
TITLE_WORDS = frozenset(
    {
        # INPE security staff ranks and their abbreviations
        "agente",
        "agentes",
        "alcaide",
        "brigadier",
        "cabo",
        "cap",
        "capitan",
        "cmdte",
        "comandante",
        "sargento",
        "sgt",
        "sgto",
        "sgte",
        "sub",
        "suboficial",
        "subof",
        "tco",
        "tec",
        "tecnico",
        "tecnica",
        "teniente",
        "oficial",
        "policia",
        "tnte",
        "tte",
        "inpe",
        "guardia",
        "vigilante",
        "director",
        "directora",
        "jefe",
        "jefa",
        # honorifics
        "sr",
        "sra",
        "srta",
        "senor",
        "senora",
        "senorita",
        "don",
        "dona",
        "dr",
        "dra",
        "doctor",
        "doctora",
        "lic",
        "licenciado",
        "licenciada",
        "ing",
        "ingeniero",
        "ingeniera",
        # how inmates and visitors are named
        "interno",
        "interna",
        "ppl",
        "visitante",
        "visita",
        "reo",
        "recluso",
        "reclusa",
        "preso",
        "presa",
        # how nicknames are introduced: alias "el Flaco", apodado 'Chato', le dicen "Gato"
        "alias",
        "apodado",
        "apodada",
        "apodo",
        "conocido",
        "conocida",
        "como",
        "le",
        "dicen",
        "llaman",
    }
)
# Articles and name particles: "Juan de la Cruz" and "Juan Cruz" are written for the same person.
NAME_PARTICLES = frozenset({"el", "la", "los", "las", "de", "del", "y", "e"})


def normalise_person(value: str) -> str:
    """Return a name without ranks, titles, articles, accents or punctuation, its words in order.

    "Sgto. Juan Pérez", "sargento JUAN PEREZ" and "Pérez, Juan" all give "juan perez";
    alias "el Flaco" gives "flaco". Words are sorted, since tips name people surname first
    as often as not.
    """
    words = [w for w in _tokens(value) if w not in TITLE_WORDS and w not in NAME_PARTICLES]
    return " ".join(sorted(words))


# --- phone numbers -----------------------------------------------------------------------------------

PERU_COUNTRY_CODE = "51"


def normalise_phone(value: str) -> str:
    """Return a phone number in E.164 form ("+51987654321"), or "" if it has too few digits.

    Peruvian numbers: a mobile is 9 digits starting with 9; a Lima landline is area
    code 1 and 7 digits, written "(01) 234-5678" or just "234-5678"; a provincial one
    is a 2-digit area code and 6 digits ("(044) 123456"). The international prefix
    (+ or 00), the country code 51 and the trunk 0 are optional. Numbers of other
    countries keep their digits after a "+".
    """
    text = value.strip()
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit() and ch.isascii())
    international = text.startswith("+")
    if digits.startswith("00"):
        digits, international = digits[2:], True
    if international and not digits.startswith(PERU_COUNTRY_CODE):
        return f"+{digits}" if 7 <= len(digits) <= 15 else ""
    national = digits
    if international:
        national = digits[len(PERU_COUNTRY_CODE) :]
    elif digits.startswith(PERU_COUNTRY_CODE) and len(digits) in (10, 11):
        # "51987654321" or "5112345678": the country code without its "+".
        national = digits[len(PERU_COUNTRY_CODE) :]
    national = national.lstrip("0")  # the trunk prefix of "(01) 234-5678" or "044 123456"
    if len(national) == 7 and not international:
        national = "1" + national  # a Lima number dialled locally
    is_mobile = len(national) == 9 and national.startswith("9")
    is_landline = len(national) == 8 and national[0] in "12345678"
    if is_mobile or is_landline:
        return f"+{PERU_COUNTRY_CODE}{national}"
    # Not a Peruvian shape: keep the digits, so that the same unusual number still meets itself.
    if not 6 <= len(digits) <= 15:
        return ""
    return f"+{digits}" if international else digits


def is_peruvian_number(canonical: str) -> bool:
    """Return whether a normalised phone number is a Peruvian mobile or landline."""
    return bool(re.fullmatch(r"\+51(9\d{8}|[1-8]\d{7})", canonical))


# --- vehicles -----------------------------------------------------------------------------------------

_PLATE_PREFIX_WORDS = frozenset({"placa", "placas", "nro", "n", "no", "num", "numero", "de"})


def normalise_plate(value: str) -> str:
    """Return a vehicle plate as upper-case letters and digits: "abc 123" and "ABC-123" give "ABC123".

    Words before it ("placa N° ABC-123") are dropped. A plate has 4 to 8 characters
    and at least one digit; anything else gives "".
    """
    words = _tokens(value)
    while words and words[0] in _PLATE_PREFIX_WORDS:
        words = words[1:]
    plate = "".join(words).upper()
    if not (4 <= len(plate) <= 8) or not any(ch.isdigit() for ch in plate):
        return ""
    return plate


# --- companies -----------------------------------------------------------------------------------------

# Legal forms, as word sequences after folding and joining of spelled-out initials (S. A. C. -> sac).
LEGAL_FORMS: tuple[tuple[str, ...], ...] = tuple(
    tuple(form.split())
    for form in (
        "sociedad anonima cerrada",
        "sociedad anonima abierta",
        "sociedad anonima",
        "sociedad comercial de responsabilidad limitada",
        "sociedad de responsabilidad limitada",
        "empresa individual de responsabilidad limitada",
        "sac",
        "saa",
        "sa",
        "eirl",
        "srl",
        "scrl",
        "sl",
        "ltda",
        "ltd",
        "inc",
        "llc",
        "corp",
        "y cia",
        "cia",
    )
)
_COMPANY_LEADING_WORDS = frozenset(
    {
        *("empresa", "proveedor", "proveedora", "contratista", "compania", "concesionario", "concesionaria"),
        *("negocio", "firma", "la", "el", "los", "las", "de", "del"),
    }
)
_TRADE_NOUNS = frozenset(TRADE_NOUNS)


def _join_initials(words: list[str]) -> list[str]:
    """Join runs of single letters ("s a c") into one word ("sac")."""
    joined: list[str] = []
    run = ""
    for word in words:
        if len(word) == 1 and word.isalpha():
            run += word
            continue
        if run:
            joined.append(run)
            run = ""
        joined.append(word)
    if run:
        joined.append(run)
    return joined


def normalise_company(value: str) -> str:
    """Return a company's name without its legal form, accents, punctuation or a leading generic noun.

    "Transportes El Sol S.A.C.", "TRANSPORTES EL SOL SAC" and "Empresa de Transportes
    El Sol S. A. C." all give "transportes el sol"; "la empresa Santa Rosa" gives "santa
    rosa". A business noun that is part of the trade name ("Distribuidora", "Panadería")
    is kept: "Distribuidora Santa Rosa" and "Panadería Santa Rosa" are two businesses.
    The order of the words is kept. company_parts splits the noun from the name.
    """
    # "S.A.C." must become "sac", not "s a c" followed by other words.
    undotted = re.sub(r"(?<=\w)\.(?=\w)", "", value)
    words = _join_initials(_tokens(undotted))
    changed = True
    while changed and words:
        changed = False
        for form in LEGAL_FORMS:
            if len(words) > len(form) and tuple(words[-len(form) :]) == form:
                words = words[: -len(form)]
                changed = True
    while len(words) > 1 and words[0] in _COMPANY_LEADING_WORDS:
        words = words[1:]
    return " ".join(words)


def company_parts(value: str) -> tuple[str, str]:
    """Return a company's business noun ("" if none) and its name without it, both normalised.

    "la distribuidora Santa Rosa S.A.C." gives ("distribuidora", "santa rosa"); the proveedor
    "Santa Rosa" gives ("", "santa rosa"); "Panadería El Trigal" gives ("panaderia",
    "trigal"). Blind matching meets two companies by the name, unless their nouns differ.
    """
    words = normalise_company(value).split()
    noun = words[0] if len(words) > 1 and words[0] in _TRADE_NOUNS else ""
    if noun:
        words = words[1:]
    while len(words) > 1 and words[0] in _COMPANY_LEADING_WORDS:
        words = words[1:]
    return noun, " ".join(words)


# --- places inside a facility ---------------------------------------------------------------------------

# Every spelling of a kind of place, to one noun: synonyms meet ("pared norte" is "muro norte", "entrada
# de visitas" is "ingreso de visitas", "torreón" is "torre", "portón" is "puerta").
PLACE_NOUNS = {
    "pabellon": "pabellon",
    "pabellones": "pabellon",
    "pab": "pabellon",
    "pabell": "pabellon",
    "pabel": "pabellon",
    "pb": "pabellon",
    "modulo": "modulo",
    "mod": "modulo",
    "puerta": "puerta",
    "pta": "puerta",
    "porton": "puerta",
    "torre": "torre",
    "torreon": "torre",
    "celda": "celda",
    "celdas": "celda",
    "patio": "patio",
    "patios": "patio",
    "garita": "garita",
    "garitas": "garita",
    "ambiente": "ambiente",
    "amb": "ambiente",
    "piso": "piso",
    "sector": "sector",
    "zona": "zona",
    "area": "zona",
    "sala": "zona",
    "bloque": "bloque",
    "muro": "muro",
    "pared": "muro",
    "muralla": "muro",
    "locutorio": "locutorio",
    "locutorios": "locutorio",
    "topico": "topico",
    "taller": "taller",
    "talleres": "taller",
    "rancho": "rancho",
    "cocina": "cocina",
    "capilla": "capilla",
    "biblioteca": "biblioteca",
    "lavanderia": "lavanderia",
    "ingreso": "ingreso",
    "entrada": "ingreso",
    "visitas": "visita",
    "revision": "revision",
    "requisa": "revision",
    "trasera": "posterior",
    "trasero": "posterior",
    "atras": "posterior",
    "delantera": "principal",
}
_NUMBER_WORDS = {
    "uno": 1,
    "una": 1,
    "primero": 1,
    "primer": 1,
    "dos": 2,
    "segundo": 2,
    "tres": 3,
    "tercero": 3,
    "tercer": 3,
    "cuatro": 4,
    "cuarto": 4,
    "cinco": 5,
    "quinto": 5,
    "seis": 6,
    "sexto": 6,
    "siete": 7,
    "septimo": 7,
    "ocho": 8,
    "octavo": 8,
    "nueve": 9,
    "noveno": 9,
    "diez": 10,
    "decimo": 10,
    "once": 11,
    "doce": 12,
    "trece": 13,
    "catorce": 14,
    "quince": 15,
    "dieciseis": 16,
    "diecisiete": 17,
    "dieciocho": 18,
    "diecinueve": 19,
    "veinte": 20,
}
_PLACE_DROPPED_WORDS = frozenset(
    {"el", "la", "los", "las", "de", "del", "en", "nro", "no", "n", "num", "numero", "parte", "lado"}
)
_DIRECTIONS = frozenset({"norte", "sur", "este", "oeste", "posterior", "lateral", "principal", "trasero", "trasera"})
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10}


def roman_to_int(word: str) -> int | None:
    """Return the value of a Roman numeral made of I, V and X (1 to 39), or None."""
    if not word or any(ch not in _ROMAN_VALUES for ch in word):
        return None
    total = 0
    for index, ch in enumerate(word):
        value = _ROMAN_VALUES[ch]
        following = _ROMAN_VALUES[word[index + 1]] if index + 1 < len(word) else 0
        total += -value if value < following else value
    # Only canonical spellings: "iiii" or "vx" are not numbers people write.
    return total if 0 < total < 40 and _int_to_roman(total) == word else None


def _int_to_roman(number: int) -> str:
    out = ""
    for value, numeral in ((10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            out += numeral
            number -= value
    return out


def normalise_place(value: str) -> str:
    """Return a place inside a facility with its noun spelled out and its number in digits.

    "pabellón 4", "Pab. 4", "PABELLON IV", "pabellón N° 4" and "pabellón cuatro" all
    give "pabellon 4"; "pabellón 4-A" and "pabellon 4A" give "pabellon 4 a".
    """
    # "4a" -> "4 a", so that "4-A" and "4A" meet.
    spaced = re.sub(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)", " ", fold(value))
    words: list[str] = []
    for word in spaced.split():
        if word in _PLACE_DROPPED_WORDS:
            continue
        if word in PLACE_NOUNS:
            words.append(PLACE_NOUNS[word])
        elif word in _NUMBER_WORDS:
            words.append(str(_NUMBER_WORDS[word]))
        elif words and words[-1] in PLACE_NOUNS.values() and (number := roman_to_int(word)) is not None:
            words.append(str(number))
        elif word.isdigit():
            words.append(str(int(word)))  # "pabellón 04" is "pabellón 4"
        else:
            words.append(word)
    # "el lado norte del muro" is "muro norte": a direction before the noun goes after it.
    if len(words) == 2 and words[0] in _DIRECTIONS and words[1] in PLACE_NOUNS.values():
        words.reverse()
    return " ".join(words)


# --- identity documents ------------------------------------------------------------------------------------


def normalise_dni(value: str) -> str:
    """Return a Peruvian DNI as its 8 digits, or "" if the value holds no DNI.

    "DNI N° 41234567", "41.234.567" and "41234567-5" (with its check digit) all give "41234567".
    """
    text = unicodedata.normalize("NFKC", value)
    digits = "".join(ch for ch in text if ch.isdigit() and ch.isascii())
    if len(digits) == 9 and re.search(r"\d{8}\s*-\s*\d\s*$", text):
        digits = digits[:8]  # the check digit printed after the number
    return digits if len(digits) == 8 else ""


# --- phones' IMEIs ------------------------------------------------------------------------------------------


def luhn_check_digit(digits: str) -> str:
    """Return the Luhn check digit that completes `digits` (an IMEI's 14 digits)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # every second digit from the right of the full number, the check digit's neighbour first
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def normalise_imei(value: str) -> str:
    """Return a phone's IMEI as its 15 digits, or "" if the value is not one.

    Spaces, dashes, slashes and dots between the digits go ("35 209900 176148 1",
    "35-209900-176148-1"). 14 digits (printed without the check digit) get it computed;
    16 digits are an IMEISV, whose first 14 are the IMEI (its check digit computed);
    15 digits must end in their Luhn check digit.
    """
    text = unicodedata.normalize("NFKC", value)
    if re.search(r"[^\d\s\-/.]", text):
        return ""
    digits = "".join(ch for ch in text if ch.isdigit() and ch.isascii())
    if len(digits) in (14, 16):
        return digits[:14] + luhn_check_digit(digits[:14])
    if len(digits) == 15 and digits[14] == luhn_check_digit(digits[:14]):
        return digits
    return ""


# --- times that matter -------------------------------------------------------------------------------------

WEEKDAYS = ("lunes", "martes", "miercoles", "jueves", "viernes", "sabado", "domingo")
VISITING_DAY = "dia de visita"
SHIFT_CHANGE = "cambio de turno"
NIGHT = "noche"
SMALL_HOURS = "madrugada"
TIMES = (*WEEKDAYS, VISITING_DAY, SHIFT_CHANGE, NIGHT, SMALL_HOURS)
_TIME_PHRASES = (
    (re.compile(r"\b(?:dia|dias) de (?:la )?visitas?\b|\bvisitas?\b"), VISITING_DAY),
    (re.compile(r"\bcambi(?:o|os|an|ar|a)\b|\brelevos?\b|\bentrega de\b|\bturno\b(?! (?:de )?noche)"), SHIFT_CHANGE),
    (re.compile(r"\bmadrugadas?\b"), SMALL_HOURS),
    (re.compile(r"\bnoches?\b|\bnocturn[oa]s?\b|\bmedianoche\b"), NIGHT),
)
# A clock time, folded: "10 pm", "10 p m", "22 00 horas", "3 am", "03 30".
_CLOCK = re.compile(r"\b(?P<hour>\d{1,2})(?: (?P<minutes>\d\d))?(?: (?P<half>am|a m|pm|p m|h|hs|hrs|horas))?\b")


def _time_of_clock(folded: str) -> str:
    match = _CLOCK.search(folded)
    if match is None:
        return ""
    hour, half = int(match.group("hour")), (match.group("half") or "").replace(" ", "")
    if half == "pm":
        hour = hour % 12 + 12
    elif half == "am":
        hour %= 12
    elif not half and hour < 13 and match.group("minutes") is None:
        return ""  # "a las 10": morning or night, nobody can tell
    if hour >= 19 and hour <= 24:
        return NIGHT
    if hour <= 4 and (half or match.group("minutes") is not None):
        return SMALL_HOURS
    return ""


def normalise_time(value: str) -> str:
    """Return a time that matters in one canonical word or phrase, or "" if it is none of them.

    A weekday ("los Sábados" gives "sabado"), "dia de visita" ("los días de visita", "en la
    visita"), "cambio de turno" ("cambio de guardia", "relevo"), "noche" ("por la noche", "10
    pm") or "madrugada" ("a las 3 de la madrugada").
    """
    folded = fold(value)
    for word in folded.split():
        singular = word[:-1] if word.endswith("s") and word[:-1] in WEEKDAYS else word
        if singular in WEEKDAYS:
            return singular
    for pattern, canonical in _TIME_PHRASES:
        if pattern.search(folded):
            return canonical
    return _time_of_clock(folded)


# --- by kind -----------------------------------------------------------------------------------------------

# Keyed by the values of linking.models.EntityKind; this module stays free of Django.
NORMALISERS = {
    "person": normalise_person,
    "phone": normalise_phone,
    "vehicle": normalise_plate,
    "company": normalise_company,
    "place": normalise_place,
    "dni": normalise_dni,
    "time": normalise_time,
    "imei": normalise_imei,
}


def normalise(kind: str, value: str) -> str:
    """Return the canonical form of a value of this kind of entity, or "" if nothing is left."""
    normaliser = NORMALISERS.get(kind)
    if normaliser is None:
        raise ValueError(f"unknown entity kind {kind!r}")
    return normaliser(value)
