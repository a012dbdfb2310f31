"""Blind fuzzy keys for people's names, and how two names' keys are scored against each other (issue 11).

Two mentions of one person rarely spell the name the same way: a typo, a missing
accent, a dropped second surname, an initial for the first name, or a Quechua name
written the Spanish way or the new way (Quispe/Kispe, Huamán/Waman/Guaman,
Ccori/Cori). The server must link them without learning the name, so a name is
turned into a set of short strings, its "name keys", and only keyed HMACs of those
are stored (the integrator HMACs each `NameKey.text` with the index key). Two
mentions meet when their keys intersect; `match_names` says how strongly, using only
what the server will see: equality of keys, their slot, position and method, and
how many tips name each key.

Pure functions, no Django and no keys. Words are folded like linking.normalise.fold.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import groupby

from linking.lexicon import COMMON_SURNAMES, GIVEN_NAMES, is_given_name, surname_rank
from linking.normalise import NAME_PARTICLES, TITLE_WORDS, company_parts, fold

# --- what a key is ---------------------------------------------------------------------------------------

GIVEN = "given"
SURNAME = "surname"
NICKNAME = "nickname"

EXACT = "exact"
PHONETIC = "phonetic"
VARIANT = "variant"
INITIAL = "initial"

# One letter per slot and method in the keyed text, so that keys of different slots or methods never collide.
_SLOT_CODES = {GIVEN: "g", SURNAME: "s", NICKNAME: "n"}
_METHOD_CODES = {EXACT: "e", PHONETIC: "p", VARIANT: "v", INITIAL: "i"}


@dataclass(frozen=True)
class NameKey:
    """One short string derived from a name, to be keyed, with what the server may know about it.

    `slot`, `position` and `method` are stored in the clear beside the keyed `text`;
    they say nothing about the name beyond how it is built. `position` is the
    token's index in the name read in Spanish order (given names, then initials,
    then surnames), so "Quispe Mamani, Juan" and "Juan Quispe Mamani" number their
    tokens alike; it only groups a name's keys by token. `prior` is how rare the
    surname is in Peru (1.0 = rare or unknown), known only while the name is read
    in the clear: it must never be stored next to the key, since it would betray
    which common surname the key hides.
    """

    slot: str
    position: int
    method: str
    text: str
    prior: float = 1.0


def _key(slot: str, position: int, method: str, value: str, prior: float = 1.0) -> NameKey:
    return NameKey(slot, position, method, f"{_SLOT_CODES[slot]}|{_METHOD_CODES[method]}|{value}", prior)


# --- reading a name into tokens ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NameTokens:
    """A name's words, folded and sorted into given names, surnames, a nickname and initials of given names."""

    given: tuple[str, ...] = ()
    surnames: tuple[str, ...] = ()
    nickname: str | None = None
    initials: tuple[str, ...] = ()


# A word of a name with its trailing dot, if any: "J." is an initial; "Quispe-Mamani" is two words.
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*\.?")  # "O'Higgins" is one word
_MAX_GIVEN = 3
# Single letters that are conjunctions ("Quispe y Mamani") unless written with a dot ("E. Quispe").
_LETTER_PARTICLES = frozenset(word for word in NAME_PARTICLES if len(word) == 1)


def _is_common_surname(word: str) -> bool:
    return surname_rank(word) is not None


def _looks_given(word: str) -> bool:
    """Return whether a word is a known given name or sounds like one ("Wilver" for "Wilber", "Jhon" for "John")."""
    return is_given_name(word) or phonetic(word) in _GIVEN_SOUNDS


def _words(text: str) -> tuple[list[tuple[str, bool]], bool]:
    """Return the words of a name part as (folded word, is an initial), and whether a rank or title was dropped."""
    words: list[tuple[str, bool]] = []
    had_title = False
    for raw in _WORD.findall(text):
        dotted = raw.endswith(".")
        word = "".join(fold(raw.rstrip(".")).split())
        if not word:
            continue
        if word in TITLE_WORDS:
            had_title = True
        elif len(word) == 1:
            if dotted or word not in _LETTER_PARTICLES:
                words.append((word, True))
        elif word not in NAME_PARTICLES:
            words.append((word, False))
    return words, had_title


# --- companies -----------------------------------------------------------------------------------------------

COMPANY = "company"
CORE = "core"
NOUN = "noun"


def company_keys(value: str) -> list[NameKey]:
    """Return the keys of a company: its name without the business noun, and the noun if there is one.

    "la distribuidora Santa Rosa" and the proveedor "Santa Rosa" share the name's key;
    "Panadería Santa Rosa" shares it too, but its noun key differs from "distribuidora",
    which keeps the two businesses apart (linking.matching).
    """
    noun, core = company_parts(value)
    keys = [NameKey(COMPANY, 0, CORE, f"c|{CORE}|{core}")] if core else []
    if noun:
        keys.append(NameKey(COMPANY, 0, NOUN, f"c|{NOUN}|{noun}"))
    return keys


# How a nickname is written before it ("alias el Zorro", "apodado Chato"): the extractor keeps a found
# nickname as "alias <nickname>", so a mention says itself whether it is a nickname.
NICKNAME_CUES = frozenset({"alias", "apodado", "apodada", "apodo"})


def is_nickname(value: str) -> bool:
    """Return whether a person's value is written as a nickname ("alias el Zorro", "apodado 'Chato'")."""
    words = fold(value).split()
    return bool(words) and words[0] in NICKNAME_CUES


def name_tokens(value: str, *, nickname: bool = False) -> NameTokens:
    """Return a name's tokens: folded, without ranks, titles or particles, sorted into given names and surnames.

    "Sgto. Juan Quispe-Mamani", "Quispe Mamani, Juan" and "QUISPE MAMANI Juan" give
    given=("juan",), surnames=("quispe", "mamani"). "J. Quispe" gives the initial "j".
    Without a comma the Spanish order is assumed: given names first (those in
    linking.lexicon, or sounding like one: "Wilver", "Jhon"), then surnames; a given
    name that is also a common surname ("Santos", "Cruz") after a given name is read
    as a surname ("Juan Carlos Santos Cruz"). A name made only of given names keeps its last as a surname ("Pedro
    Tito"); a lone word after a rank is a surname ("Sgto. Santos"). A nickname (the
    caller says so) is kept whole without articles: "el Flaco" gives "flaco".
    """
    if nickname:
        words, _ = _words(value)
        text = " ".join(word for word, _initial in words)
        return NameTokens(nickname=text or None)
    surname_part, comma, given_part = value.partition(",")
    before, _ = _words(surname_part)
    after, _ = _words(given_part)
    if comma and before and after:
        return NameTokens(
            given=tuple(word for word, initial in after if not initial)[:_MAX_GIVEN],
            surnames=tuple(word for word, initial in before if not initial),
            initials=tuple(word for word, initial in after if initial),
        )
    words, had_title = _words(value)
    given: list[str] = []
    initials: list[str] = []
    surnames: list[str] = []
    for word, initial in words:
        if not surnames:
            if initial:
                initials.append(word)
                continue
            if _looks_given(word) and len(given) < _MAX_GIVEN and not (given and _is_common_surname(word)):
                given.append(word)
                continue
            surnames.append(word)
        elif not initial:
            surnames.append(word)
        elif not given and not initials:
            initials.append(word)  # surname first: "Quispe J."
        # An initial after given names and a surname stands for a second surname ("Juan Quispe M."): left out.
    if not surnames and not initials:
        if len(given) >= 2:
            surnames.append(given.pop())  # "Pedro Tito": the last word of a name is a surname
        elif given and had_title:
            surnames.append(given.pop())  # "Sgto. Santos": a rank is followed by a surname
    if not given and not initials:
        # Surname first without a comma: "Quispe Mamani Juan".
        while (
            len(surnames) > 1
            and len(given) < _MAX_GIVEN
            and _looks_given(surnames[-1])
            and not _is_common_surname(surnames[-1])
        ):
            given.insert(0, surnames.pop())
    return NameTokens(given=tuple(given), surnames=tuple(surnames), initials=tuple(initials))


# --- the phonetic key -------------------------------------------------------------------------------------

_VOWELS = frozenset("aeiou")
_FRONT = frozenset("ei")


def phonetic(token: str) -> str:
    """Return a Spanish and Andean phonetic key of a word: spellings that sound alike give the same key.

    The rules, each with a pair it joins (the key in brackets):
    - accents and case go, "ñ" is "n" (linking.normalise.fold): Huamán, HUAMAN [waman]
    - "ch" is one sound, written "x" in the key (no other sound gives "x"): Chávez [xabes]
    - "h" is silent: Herrera, Errera [erera]; Quechua aspirates too: Thupa, Tupa [tupa]
    - "hu" and "gu" before a, o: "w", since Huamán, Guamán and Waman are one Quechua
      word (waman, falcon) written three ways, as are Huanca/Guanca/Wanka [wanka]; "hu"
      before e, i: "w" too (Huillca, Willca [wiyka])
    - "gu" before e, i is "g", apart from "j": Guerra [gera], Gerra [jera];
      Guillermo, Guiyermo [giyermo]
    - "g" before e, i and "j" are "j": Geronimo, Jeronimo [jeronimo]
    - "qu", "q", "k" and "c" before a, o, u or a consonant are "k": Quispe, Kispe, Qispe
      [kispe]; Condori, Kondori [kondori]; "cc" before a vowel other than e, i is one "k":
      Ccori, Qori, Cori [kori]
    - "c" before e, i, "z" and "s" are "s" (seseo): Cisneros, Sisneros [sisneros];
      Gonzales, Gonzalez [gonsales] (so "cc" before e, i is "ks": Acción [aksion])
    - "sh" is "s": Spanish writes the Quechua sh either way (Ashanga, Asanga [asanga])
    - "x" at the start of a word is "j", as in Ximena, Jimena [jimena] and Xavier,
      Javier [jabier]; elsewhere "ks": Félix [feliks]
    - "v" is "b": Vilca, Bilca [bilka]; Wilver, Wilber [wilber]
    - "ll" and "y" before a vowel are "y" (yeísmo): Llanos, Yanos [yanos]; "y" elsewhere is
      "i": Yupanqui, Yupanki [yupanki]; Reynaldo, Reinaldo [reinaldo]
    - "ph" is "f": Stephany, Stefany [stefani]
    - a doubled letter is one: Ttito, Tito [tito]; Carrasco, Carasco [karasko]
    Left out on purpose: the Quechua vowels e/i and o/u (Qori/Quri) would join too many
    Spanish names (Rosa/Rusa); one such difference is caught by `deletion_variants`.
    """
    word = "".join(ch for ch in fold(token) if ch.isalpha())
    out: list[str] = []
    i = 0
    while i < len(word):
        ch = word[i]
        nxt = word[i + 1] if i + 1 < len(word) else ""
        after = word[i + 2] if i + 2 < len(word) else ""
        step = 1
        if ch == "c":
            if nxt == "h":
                out.append("x")
                step = 2
            else:
                out.append("s" if nxt in _FRONT else "k")
        elif ch == "q":
            out.append("k")
            step = 2 if nxt == "u" else 1
        elif ch == "h":
            if nxt == "u" and after in _VOWELS:
                out.append("w")
                step = 2
            # otherwise silent
        elif ch == "g":
            if nxt == "u" and after in _FRONT:
                out.append("g")
                step = 2
            elif nxt == "u" and after in ("a", "o"):
                out.append("w")
                step = 2
            else:
                out.append("j" if nxt in _FRONT else "g")
        elif ch == "s":
            out.append("s")
            step = 2 if nxt == "h" else 1
        elif ch == "p":
            if nxt == "h":
                out.append("f")
                step = 2
            else:
                out.append("p")
        elif ch == "l" and nxt == "l":
            out.append("y")
            step = 2
        elif ch == "y":
            out.append("y" if nxt in _VOWELS else "i")
        elif ch == "x":
            out.append("j" if i == 0 else "ks")
        else:
            out.append({"z": "s", "v": "b"}.get(ch, ch))
        i += step
    return "".join(letter for letter, _run in groupby("".join(out)))


_GIVEN_SOUNDS = frozenset(phonetic(name) for name in GIVEN_NAMES)


# --- one edit apart ---------------------------------------------------------------------------------------

MIN_VARIANT_LENGTH = 5


def deletion_variants(key: str) -> set[str]:
    """Return the key with each one of its letters deleted, for keys of 5 letters or more (shorter keys get none).

    Two keys within one edit (a letter inserted, deleted or replaced, or two
    neighbours swapped) then share a variant, or one is a variant of the other:
    "kispe" and "kipse" share "kise"; "kispee" has "kispe" among its variants.
    Shorter keys are left out: one letter changes too much of them. The converse is
    looser: keys that share a variant may be a deletion and an insertion apart
    ("kispe", "ispea"), which only costs a little precision on a weak method.
    """
    if len(key) < MIN_VARIANT_LENGTH:
        return set()
    return {key[:index] + key[index + 1 :] for index in range(len(key))}


def within_one_edit(a: str, b: str) -> bool:
    """Return whether two strings differ by at most one insertion, deletion, substitution or swap of neighbours."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [index for index in range(len(a)) if a[index] != b[index]]
        if len(differ) != 2:
            return len(differ) == 1
        first, second = differ
        return second == first + 1 and a[first] == b[second] and a[second] == b[first]
    shorter, longer = (a, b) if len(a) < len(b) else (b, a)
    index = next((i for i in range(len(shorter)) if shorter[i] != longer[i]), len(shorter))
    return shorter[index:] == longer[index + 1 :]


# Every surname that has variant keys has this many, padded if need be: a phonetic key of n letters has
# n deletion variants, so a bare count of a name's stored keys would tell the server how long it is.
VARIANT_KEYS_PER_SURNAME = 12


def _variant_texts(key: str) -> list[str]:
    """Return the strings a phonetic key is matched by in the variant method: itself and its deletion variants.

    The key itself is there (from 4 letters, the length of a 5-letter key's variant)
    so that "kispe" meets "kispee" (one of its variants) under one method. The list
    always has VARIANT_KEYS_PER_SURNAME entries: a longer key (12 letters and more,
    rare: "Huamanchumo" is "wamanxumo") keeps the first in alphabetical order, a shorter one is padded with texts
    ("kispe#0") that no other sound gives, since keys are letters only.
    """
    texts = [key, *sorted(deletion_variants(key))] if len(key) >= MIN_VARIANT_LENGTH - 1 else []
    texts = texts[:VARIANT_KEYS_PER_SURNAME]
    return texts + [f"{key}#{index}" for index in range(VARIANT_KEYS_PER_SURNAME - len(texts))]


# --- how common a surname is --------------------------------------------------------------------------------

_COMMON_ORDER = tuple(dict.fromkeys(COMMON_SURNAMES))
_MOST_COMMON_PRIOR = 0.1
_LEAST_COMMON_PRIOR = 0.4


def _common_rank_by_sound() -> dict[str, int]:
    """Map the phonetic key of every common surname, and its deletion variants, to the best rank that gives it."""
    ranks: dict[str, int] = {}
    for rank, surname in enumerate(_COMMON_ORDER):
        key = phonetic(surname)
        for text in (key, *deletion_variants(key)):
            ranks[text] = min(rank, ranks.get(text, rank))
    return ranks


_COMMON_RANK_BY_SOUND = _common_rank_by_sound()


def surname_prior(token: str) -> float:
    """Return how rare a surname is in Peru, from 0.1 (Quispe, the most common) to 0.4 (the last on the list), or 1.0 if unknown.

    A surname that sounds like a common one, or is one letter away from it, counts as
    that one: "Kispe" and "Quipse" are as common as "Quispe" for this purpose.
    """
    word = "".join(fold(token).split())
    rank = surname_rank(word)
    if rank is None:
        key = phonetic(word)
        candidates = [
            _COMMON_RANK_BY_SOUND[text] for text in (key, *deletion_variants(key)) if text in _COMMON_RANK_BY_SOUND
        ]
        rank = min(candidates, default=None)
    if rank is None:
        return 1.0
    return _MOST_COMMON_PRIOR + (_LEAST_COMMON_PRIOR - _MOST_COMMON_PRIOR) * rank / max(len(_COMMON_ORDER) - 1, 1)


# --- the keys of a name -------------------------------------------------------------------------------------

# Deletion variants only for the first two surnames (paternal and maternal), and at most 3 given names or
# initials and 4 surnames: a name has at most 3 * 3 + 2 * (2 + 12) + 2 * 2 = 41 keys.
_SURNAMES_WITH_VARIANTS = 2
_MAX_SURNAMES = 4


def name_keys(value: str, *, nickname: bool = False) -> list[NameKey]:
    """Return the keys of a person's name, or of a nickname, for the integrator to key with the index key.

    Given names give exact, phonetic and initial keys; a written initial only its
    initial key; each surname exact and phonetic keys, and the first two surnames
    the variants of their phonetic key (see `_variant_texts`); a nickname the exact
    and phonetic keys of its words. How many keys a name has depends only on how
    many given names, initials and surnames it has, never on their length: "Juan
    Quispe" gives 3 + 2 + 12 keys, "Juan Carlos Quispe Mamani" 34.
    """
    tokens = name_tokens(value, nickname=nickname)
    keys: list[NameKey] = []
    if tokens.nickname:
        sounds = " ".join(phonetic(word) for word in tokens.nickname.split())
        return [_key(NICKNAME, 0, EXACT, tokens.nickname), _key(NICKNAME, 0, PHONETIC, sounds)]
    position = 0
    for word in tokens.given:
        keys += [
            _key(GIVEN, position, EXACT, word),
            _key(GIVEN, position, PHONETIC, phonetic(word)),
            _key(GIVEN, position, INITIAL, word[0]),
        ]
        position += 1
    for letter in tokens.initials[: _MAX_GIVEN - len(tokens.given)]:
        keys.append(_key(GIVEN, position, INITIAL, letter))
        position += 1
    for index, word in enumerate(tokens.surnames[:_MAX_SURNAMES]):
        prior = surname_prior(word)
        sound = phonetic(word)
        keys += [_key(SURNAME, position, EXACT, word, prior), _key(SURNAME, position, PHONETIC, sound, prior)]
        if index < _SURNAMES_WITH_VARIANTS:
            keys += [_key(SURNAME, position, VARIANT, text, prior) for text in _variant_texts(sound)]
        position += 1
    return keys


# --- scoring two names --------------------------------------------------------------------------------------

# How much each way of meeting is worth, against an exact match.
METHOD_WEIGHTS = {EXACT: 1.0, PHONETIC: 0.85, VARIANT: 0.7}
# Evidence is summed in these units and turned into a score by 1 - exp(-evidence), so that
# independent pieces add up and the score stays below 1. The weights are set so that a shared
# common surname alone stays under 0.5, a rare one alone is about 0.7, and two surnames, or a
# surname and a first name, reach 0.8.
_SURNAME_BASE = 0.45
_SURNAME_RARITY = 0.75
_SECOND_SURNAME_BONUS = 0.8
_GIVEN_WEIGHTS = {EXACT: 1.3, PHONETIC: 1.1}
_INITIAL_WEIGHT = 0.35
_NICKNAME_WEIGHT = 1.2  # an equal, rare nickname alone: 1 - exp(-1.2) = 0.70
_RARE = 0.5  # a surname rarer than this (0 common, 1 rare) is "rare" in the evidence

# The evidence codes, in the order they are given; the integrator translates them.
EVIDENCE_CODES = (
    "same_full_name",
    "same_surnames",
    "same_rare_surname",
    "same_common_surname",
    "same_first_name",
    "first_name_initial",
    "different_spelling",
    "one_letter_apart",
    "dropped_second_surname",
    "same_nickname",
)


@dataclass
class NameMatch:
    """How strongly two names seem to be one person (0 to 1), and why, as codes from EVIDENCE_CODES."""

    score: float
    evidence: tuple[str, ...] = field(default_factory=tuple)


def _identity(key: NameKey) -> tuple[str, str, str]:
    # In production `text` is an HMAC: only its equality is ever used.
    return key.slot, key.method, key.text


def _rarity_in_tips(count: int, total_tips: int) -> float:
    """Return how rare a key is among the tips, from 0 (every tip names it) to 1 (only the two compared do).

    The inverse document frequency log((total + 1) / (count + 1)), divided by its
    largest value for a key that two tips share, so that a key seen only in the
    pair being compared counts fully however many tips there are.
    """
    if count <= 2 or total_tips <= 2:
        return 1.0
    idf = math.log((total_tips + 1) / (count + 1))
    return min(1.0, max(0.0, idf / math.log((total_tips + 1) / 3)))


@dataclass
class _Meeting:
    """The best way one of our tokens meets one of theirs."""

    ours: int
    theirs: int
    method: str
    key: NameKey  # ours, the one that met


def _meetings(ours: Iterable[NameKey], index: dict[tuple[str, str, str], set[int]], slot: str) -> list[_Meeting]:
    """Return one meeting per pair of tokens of a slot, by its best method, one token of each side in at most one pair."""
    best: dict[tuple[int, int], _Meeting] = {}
    rank = {EXACT: 3, PHONETIC: 2, VARIANT: 1, INITIAL: 0}
    for key in ours:
        if key.slot != slot:
            continue
        for theirs_position in index.get(_identity(key), ()):
            pair = (key.position, theirs_position)
            if pair not in best or rank[key.method] > rank[best[pair].method]:
                best[pair] = _Meeting(key.position, theirs_position, key.method, key)
    chosen: list[_Meeting] = []
    used_ours: set[int] = set()
    used_theirs: set[int] = set()
    for meeting in sorted(best.values(), key=lambda m: (-rank[m.method], m.ours, m.theirs)):
        if meeting.ours in used_ours or meeting.theirs in used_theirs:
            continue
        chosen.append(meeting)
        used_ours.add(meeting.ours)
        used_theirs.add(meeting.theirs)
    return chosen


def _positions(keys: Iterable[NameKey], slot: str) -> set[int]:
    return {key.position for key in keys if key.slot == slot}


def _full_given_positions(keys: Iterable[NameKey]) -> set[int]:
    """Return the positions of given names written in full (an initial alone has no exact key)."""
    return {key.position for key in keys if key.slot == GIVEN and key.method == EXACT}


def match_names(
    ours: list[NameKey],
    theirs: list[NameKey],
    *,
    tips_naming: Callable[[NameKey], int],
    total_tips: int,
) -> NameMatch | None:
    """Return how strongly two names' keys say they are one person, or None if they are not.

    Uses only what the server sees: equal keys (slot, method and text), positions
    and methods; `tips_naming(key)` is how many tips name one of our keys, and our
    keys' `prior`. Refused (None): nothing shared in surnames or nickname; both
    sides give a first name in full and none agrees ("Juan Quispe", "Pedro
    Quispe"), or one side gives only initials and none agrees; each side has a
    surname the other lacks ("Juan Quispe Mamani", "Juan Quispe Condori").
    Not symmetric: the rarity of a surname is read from ours.
    """
    index: dict[tuple[str, str, str], set[int]] = {}
    for key in theirs:
        index.setdefault(_identity(key), set()).add(key.position)

    evidence: set[str] = set()
    methods_used: set[str] = set()
    total = 0.0

    # First names: either side may have none; if both have one, they must agree.
    given = _meetings(ours, index, GIVEN)
    full_given = [meeting for meeting in given if meeting.method in (EXACT, PHONETIC)]
    ours_given, theirs_given = _positions(ours, GIVEN), _positions(theirs, GIVEN)
    if ours_given and theirs_given:
        both_in_full = bool(_full_given_positions(ours)) and bool(_full_given_positions(theirs))
        if full_given:
            best = max(full_given, key=lambda m: _GIVEN_WEIGHTS[m.method])
            weight = _GIVEN_WEIGHTS[best.method] * (0.6 + 0.4 * _rarity_in_tips(tips_naming(best.key), total_tips))
            total += weight
            evidence.add("same_first_name")
            methods_used.add(best.method)
        elif given and not both_in_full:
            total += _INITIAL_WEIGHT
            evidence.add("first_name_initial")
        else:
            return None

    # Surnames, each weighed by how rare it is in Peru (ours' prior) and in the tips.
    surnames = _meetings(ours, index, SURNAME)
    rarities: list[float] = []
    for meeting in surnames:
        rarity = min(meeting.key.prior, _rarity_in_tips(tips_naming(meeting.key), total_tips))
        rarities.append(rarity)
        total += (_SURNAME_BASE + _SURNAME_RARITY * rarity) * METHOD_WEIGHTS[meeting.method]
        methods_used.add(meeting.method)
    ours_unmet = _positions(ours, SURNAME) - {m.ours for m in surnames}
    theirs_unmet = _positions(theirs, SURNAME) - {m.theirs for m in surnames}
    if surnames and ours_unmet and theirs_unmet:
        return None
    if len(surnames) >= 2:
        total += _SECOND_SURNAME_BONUS
        evidence.add("same_surnames")
    elif surnames:
        evidence.add("same_rare_surname" if rarities[0] >= _RARE else "same_common_surname")
    if surnames and (ours_unmet or theirs_unmet):
        evidence.add("dropped_second_surname")

    nicknames = _meetings(ours, index, NICKNAME)
    for meeting in nicknames:
        rarity = _rarity_in_tips(tips_naming(meeting.key), total_tips)
        total += _NICKNAME_WEIGHT * METHOD_WEIGHTS[meeting.method] * rarity
        methods_used.add(meeting.method)
        evidence.add("same_nickname")

    if not surnames and not nicknames:
        return None
    if PHONETIC in methods_used:
        evidence.add("different_spelling")
    if VARIANT in methods_used:
        evidence.add("one_letter_apart")
    everything_met = (
        methods_used == {EXACT}
        and not ours_unmet
        and not theirs_unmet
        and _positions(ours, GIVEN) == _full_given_positions(ours) == {m.ours for m in full_given}
        and _positions(theirs, GIVEN) == _full_given_positions(theirs) == {m.theirs for m in full_given}
    )
    named_twice = len(_positions(ours, GIVEN) | _positions(ours, SURNAME)) >= 2
    if everything_met and surnames and named_twice:
        evidence.add("same_full_name")
    score = 1.0 - math.exp(-total)
    return NameMatch(score=round(score, 3), evidence=tuple(code for code in EVIDENCE_CODES if code in evidence))
