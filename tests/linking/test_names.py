"""Blind fuzzy name keys: spellings of one person meet, different people do not, and the keys hide the name.

All names here are invented for the tests, built from common Peruvian given names and surnames.
"""

from __future__ import annotations

import time
from dataclasses import fields

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linking.names import (
    EVIDENCE_CODES,
    VARIANT_KEYS_PER_SURNAME,
    NameKey,
    NameMatch,
    NameTokens,
    deletion_variants,
    match_names,
    name_keys,
    name_tokens,
    phonetic,
    surname_prior,
    within_one_edit,
)

THRESHOLD = 0.5  # the integrator suggests a link from this score up
TOTAL_TIPS = 1000


def match(ours: str, theirs: str, *, nickname: bool = False, naming: int = 2) -> NameMatch | None:
    """Score two names as the integrator will: every key named by `naming` tips of TOTAL_TIPS."""
    return match_names(
        name_keys(ours, nickname=nickname),
        name_keys(theirs, nickname=nickname),
        tips_naming=lambda key: naming,
        total_tips=TOTAL_TIPS,
    )


# --- phonetic keys: one example per rule ---------------------------------------------------------------------

SOUND_ALIKE = [
    ("Huamán", "HUAMAN", "waman"),  # accents and case
    ("Chávez", "Chavez", "xabes"),  # ch is one sound
    ("Herrera", "Errera", "erera"),  # h is silent
    ("Thupa", "Tupa", "tupa"),  # Quechua aspirates
    ("Huamán", "Waman", "waman"),  # hu + vowel
    ("Guaman", "Waman", "waman"),  # gu + a
    ("Huanca", "Wanka", "wanka"),
    ("Huillca", "Willca", "wiyka"),  # hu + i
    ("Guillermo", "Guiyermo", "giyermo"),  # gu + e, i
    ("Geronimo", "Jeronimo", "jeronimo"),  # g + e, i
    ("Quispe", "Kispe", "kispe"),  # qu
    ("Qispe", "Kispe", "kispe"),  # q
    ("Condori", "Kondori", "kondori"),  # c + o
    ("Ccori", "Cori", "kori"),  # cc
    ("Qori", "Cori", "kori"),
    ("Cisneros", "Sisneros", "sisneros"),  # c + e, i
    ("Gonzales", "Gonzalez", "gonsales"),  # z
    ("Ashanga", "Asanga", "asanga"),  # sh
    ("Ximena", "Jimena", "jimena"),  # initial x
    ("Xavier", "Javier", "jabier"),
    ("Vilca", "Bilca", "bilka"),  # v
    ("Wilver", "Wilber", "wilber"),
    ("Llanos", "Yanos", "yanos"),  # ll
    ("Yupanqui", "Yupanki", "yupanki"),  # final y-sound
    ("Reynaldo", "Reinaldo", "reinaldo"),  # y before a consonant
    ("Stephany", "Stefany", "stefani"),  # ph
    ("Ttito", "Tito", "tito"),  # doubled letters
    ("Carrasco", "Carasco", "karasko"),
]


@pytest.mark.parametrize(("one", "other", "key"), SOUND_ALIKE)
def test_spellings_that_sound_alike_give_one_phonetic_key(one: str, other: str, key: str) -> None:
    assert phonetic(one) == phonetic(other) == key


def test_x_inside_a_word_is_ks_and_cc_before_e_is_ks() -> None:
    assert phonetic("Félix") == "feliks"
    assert phonetic("Acción") == "aksion"


@pytest.mark.parametrize(("one", "other"), [("Ramos", "Ramírez"), ("Flores", "Torres"), ("Quispe", "Mamani")])
def test_different_surnames_keep_different_phonetic_keys(one: str, other: str) -> None:
    assert phonetic(one) != phonetic(other)


# --- one edit apart ------------------------------------------------------------------------------------------


def test_deletion_variants_of_a_short_key_are_none() -> None:
    assert deletion_variants("kayo") == set()
    assert deletion_variants("kispe") == {"ispe", "kspe", "kipe", "kise", "kisp"}


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("kispe", "kispe", True),
        ("kispe", "kipse", True),  # swap
        ("kispe", "kispa", True),  # substitution
        ("kispe", "kispee", True),  # insertion
        ("kispe", "ispe", True),  # deletion
        ("kispe", "kpise", False),
        ("flores", "tores", False),
        ("ramos", "ramires", False),
    ],
)
def test_within_one_edit(a: str, b: str, near: bool) -> None:
    assert within_one_edit(a, b) is near
    assert within_one_edit(b, a) is near


_letters = st.text(alphabet="abdegiklmnoprstuwy", min_size=5, max_size=12)


@st.composite
def one_edit_apart(draw: st.DrawFn) -> tuple[str, str]:
    word = draw(_letters)
    index = draw(st.integers(0, len(word) - 1))
    letter = draw(st.sampled_from("aeikmnorsu"))
    edit = draw(st.sampled_from(["insert", "delete", "substitute", "swap"]))
    if edit == "insert":
        return word, word[:index] + letter + word[index:]
    if edit == "delete":
        return word, word[:index] + word[index + 1 :]
    if edit == "substitute":
        return word, word[:index] + letter + word[index + 1 :]
    index = min(index, len(word) - 2)
    return word, word[:index] + word[index + 1] + word[index] + word[index + 2 :]


@given(one_edit_apart())
def test_keys_one_edit_apart_share_a_variant_key(pair: tuple[str, str]) -> None:
    a, b = pair
    assert within_one_edit(a, b)
    with_self_a = {a} | deletion_variants(a)
    with_self_b = {b} | deletion_variants(b)
    assert with_self_a & with_self_b


# --- reading a name --------------------------------------------------------------------------------------------

TOKENS = [
    ("Sgto. Juan Quispe-Mamani", NameTokens(given=("juan",), surnames=("quispe", "mamani"))),
    ("Quispe Mamani, Juan", NameTokens(given=("juan",), surnames=("quispe", "mamani"))),
    ("QUISPE MAMANI Juan", NameTokens(given=("juan",), surnames=("quispe", "mamani"))),
    ("el técnico Juan Carlos Quispe", NameTokens(given=("juan", "carlos"), surnames=("quispe",))),
    ("J. Quispe", NameTokens(surnames=("quispe",), initials=("j",))),
    ("J Quispe", NameTokens(surnames=("quispe",), initials=("j",))),
    ("Quispe J.", NameTokens(surnames=("quispe",), initials=("j",))),
    ("E. Quispe", NameTokens(surnames=("quispe",), initials=("e",))),
    ("Quispe y Mamani", NameTokens(surnames=("quispe", "mamani"))),
    ("Sgto. Quispe", NameTokens(surnames=("quispe",))),
    ("Sgto. Santos", NameTokens(surnames=("santos",))),
    ("Santos Quispe", NameTokens(given=("santos",), surnames=("quispe",))),
    ("Juan Carlos Santos Cruz", NameTokens(given=("juan", "carlos"), surnames=("santos", "cruz"))),
    ("Pedro Ramos", NameTokens(given=("pedro",), surnames=("ramos",))),
    ("Pedro Tito", NameTokens(given=("pedro",), surnames=("tito",))),
    ("Juan de la Cruz", NameTokens(given=("juan",), surnames=("cruz",))),
    ("María del Carmen Huamán", NameTokens(given=("maria", "carmen"), surnames=("huaman",))),
    ("Juan", NameTokens(given=("juan",))),
    ("O'Higgins Ruiz, Ana", NameTokens(given=("ana",), surnames=("ohiggins", "ruiz"))),
    ("Juan Quispe,", NameTokens(given=("juan",), surnames=("quispe",))),
    ("Wilver Chumpitas", NameTokens(given=("wilver",), surnames=("chumpitas",))),  # sounds like Wilber
]


@pytest.mark.parametrize(("value", "tokens"), TOKENS)
def test_name_tokens(value: str, tokens: NameTokens) -> None:
    assert name_tokens(value) == tokens


@pytest.mark.parametrize("value", ["el Flaco", "alias 'el Flaco'", "FLACO", "le dicen «Flaco»"])
def test_a_nickname_is_kept_whole_without_articles(value: str) -> None:
    assert name_tokens(value, nickname=True) == NameTokens(nickname="flaco")


# --- the keys ---------------------------------------------------------------------------------------------------


def test_the_keys_of_a_name() -> None:
    keys = name_keys("Juan Quispe")
    assert [(k.slot, k.position, k.method, k.text) for k in keys[:5]] == [
        ("given", 0, "exact", "g|e|juan"),
        ("given", 0, "phonetic", "g|p|juan"),
        ("given", 0, "initial", "g|i|j"),
        ("surname", 1, "exact", "s|e|quispe"),
        ("surname", 1, "phonetic", "s|p|kispe"),
    ]
    variants = {"s|v|kispe", "s|v|ispe", "s|v|kspe", "s|v|kipe", "s|v|kise", "s|v|kisp"}
    padding = {f"s|v|kispe#{n}" for n in range(VARIANT_KEYS_PER_SURNAME - len(variants))}
    assert {k.text for k in keys[5:]} == variants | padding
    assert all(k.method == "variant" for k in keys[5:])


def test_the_number_of_keys_does_not_tell_how_long_a_name_is() -> None:
    assert len(name_keys("Ana Paz")) == len(name_keys("Ana Quispe")) == len(name_keys("Florencio Huamanchumo"))
    assert len(name_keys("Juan Quispe")) == 3 + 2 + VARIANT_KEYS_PER_SURNAME


def test_a_written_initial_gives_only_an_initial_key() -> None:
    given_keys = [k for k in name_keys("J. Quispe") if k.slot == "given"]
    assert [(k.method, k.text) for k in given_keys] == [("initial", "g|i|j")]


def test_keys_of_one_method_and_slot_never_collide_with_another() -> None:
    keys = name_keys("Juan Quispe Mamani") + name_keys("Quispe", nickname=True)
    prefixes = {(k.slot, k.method): k.text.split("|")[:2] for k in keys}
    assert len({tuple(p) for p in prefixes.values()}) == len(prefixes)


def test_a_name_keeps_no_plaintext_outside_the_keyed_text() -> None:
    keys = name_keys("Sgto. Juan Carlos Quispe Mamani")
    assert {f.name for f in fields(NameKey)} == {"slot", "position", "method", "text", "prior"}
    for key in keys:
        assert key.slot in {"given", "surname", "nickname"}
        assert key.method in {"exact", "phonetic", "variant", "initial"}
        assert isinstance(key.position, int)
        assert "quispe" not in repr((key.slot, key.position, key.method))


def test_only_surnames_carry_a_prior() -> None:
    keys = name_keys("Juan Quispe Ccallo")
    assert {k.prior for k in keys if k.slot == "given"} == {1.0}
    assert {k.prior for k in keys if k.position == 1} == {surname_prior("quispe")}
    assert {k.prior for k in keys if k.position == 2} == {1.0}


@pytest.mark.parametrize(
    "value",
    [
        "Juan Carlos Huamanchumo Chumbiauca",
        "María del Rosario Villanueva Carhuamaca de Valdivia",
        "Sgto. Wilfredo Hermogenes Ccahuana Huamani Quispe",
        "J. C. M. P. Quispe Mamani Condori Huaman Apaza Ticona",
        "Juan Carlos Alberto Miguel Quispe Mamani Condori Huaman Apaza",
    ],
)
def test_a_name_has_at_most_41_keys(value: str) -> None:
    assert len(name_keys(value)) <= 41


def test_name_keys_is_fast() -> None:
    started = time.perf_counter()
    for _ in range(1000):
        name_keys("Sgto. Juan Carlos Quispe-Mamani")
    assert (time.perf_counter() - started) / 1000 < 0.001


# --- how common a surname is -------------------------------------------------------------------------------------


def test_surname_prior_is_small_for_common_surnames_and_one_for_rare_ones() -> None:
    assert surname_prior("Quispe") == pytest.approx(0.1)
    assert surname_prior("Kispe") == surname_prior("Quispe")  # sounds alike
    assert surname_prior("Quipse") == surname_prior("Quispe")  # one letter away
    assert surname_prior("Guaman") == surname_prior("Huamán")
    assert 0.1 < surname_prior("Llanos") <= 0.4
    assert surname_prior("Ccallo") == surname_prior("Huarhuachi") == 1.0


# --- scoring ----------------------------------------------------------------------------------------------------

SAME_PERSON = [
    # (ours, theirs, the evidence codes that must be given)
    ("Juan Quispe Mamani", "Juan Qiuspe Mamani", {"same_surnames", "same_first_name", "one_letter_apart"}),  # a typo
    ("Juan Huamán Ccallo", "Juan Huaman Ccallo", {"same_full_name"}),  # a missing accent
    ("Juan Quispe Mamani", "Juan Quispe", {"dropped_second_surname", "same_first_name"}),
    ("Juan Quispe", "Juan Quispe Mamani", {"dropped_second_surname"}),
    ("Rosa Ccori", "Rosa Cori", {"different_spelling", "same_rare_surname"}),
    ("Pedro Ttito", "Pedro Tito", {"different_spelling"}),
    ("Juan Quispe", "Juan Kispe", {"different_spelling", "same_common_surname"}),
    ("Luis Huamán", "Luis Waman", {"different_spelling"}),
    ("Luis Huamán", "Luis Guaman", {"different_spelling"}),
    ("Ana Llanos", "Ana Yanos", {"different_spelling"}),
    ("Mario Condori", "Mario Kondori", {"different_spelling"}),
    ("Elena Yupanqui", "Elena Yupanki", {"different_spelling"}),
    ("Quispe Mamani", "Quispe Mamani", {"same_surnames"}),
    ("Quispe Mamani, Juan", "Sgto. Juan Quispe-Mamani", {"same_full_name", "same_surnames", "same_first_name"}),
    ("Juan Carlos Quispe", "Carlos Quispe", {"same_first_name"}),
    ("Wilber Chumpitaz", "Wilver Chumpitas", {"different_spelling", "same_first_name"}),
]


@pytest.mark.parametrize(("ours", "theirs", "evidence"), SAME_PERSON)
def test_spellings_of_one_person_meet_strongly(ours: str, theirs: str, evidence: set[str]) -> None:
    result = match(ours, theirs)
    assert result is not None
    assert result.score >= 0.8
    assert evidence <= set(result.evidence)
    assert set(result.evidence) <= set(EVIDENCE_CODES)


def test_a_first_name_initial_meets_moderately() -> None:
    for ours, theirs in [("J. Quispe", "Juan Quispe"), ("Juan Quispe", "J. Quispe"), ("Quispe J.", "Juan Quispe")]:
        result = match(ours, theirs)
        assert result is not None
        assert THRESHOLD <= result.score < 0.8
        assert "first_name_initial" in result.evidence


def test_a_shared_common_surname_alone_is_weak() -> None:
    for ours, theirs in [("Quispe", "Quispe"), ("Sgto. Quispe", "Juan Quispe"), ("Condori", "Kondori")]:
        result = match(ours, theirs)
        assert result is not None
        assert result.score < THRESHOLD
        assert "same_common_surname" in result.evidence


def test_a_shared_rare_surname_alone_is_moderate() -> None:
    result = match("Sgto. Ccallo", "Ccallo")
    assert result is not None
    assert THRESHOLD <= result.score < 0.8
    assert "same_rare_surname" in result.evidence


def test_a_rare_surname_named_in_many_tips_is_weak() -> None:
    result = match("Ccallo", "Ccallo", naming=300)
    assert result is not None
    assert result.score < THRESHOLD
    assert "same_common_surname" in result.evidence


def test_two_surnames_or_a_surname_and_a_first_name_are_strong() -> None:
    for ours, theirs in [("Quispe Mamani", "Mamani Quispe"), ("Juan Quispe", "Juan Quispe")]:
        result = match(ours, theirs)
        assert result is not None
        assert result.score >= 0.8


def test_an_equal_nickname_is_fairly_strong_unless_many_tips_name_it() -> None:
    result = match("alias 'el Flaco'", "Flaco", nickname=True)
    assert result is not None
    assert result.score == pytest.approx(0.7, abs=0.02)
    assert result.evidence == ("same_nickname",)
    spelled = match("el Flaco", "el Flako", nickname=True)
    assert spelled is not None
    assert THRESHOLD <= spelled.score < 0.7
    assert "different_spelling" in spelled.evidence
    common = match("el Flaco", "el Flaco", nickname=True, naming=300)
    assert common is not None
    assert common.score < THRESHOLD


DIFFERENT_PEOPLE = [
    ("Juan Quispe", "Pedro Quispe"),  # both first names given, and they differ
    ("Juan Quispe", "Pedro J. Quispe"),
    ("Carlos Quispe", "J. Quispe"),
    ("J. Quispe", "P. Quispe"),
    ("Wilmer Quispe", "Wilber Quispe"),
    ("Quispe", "Mamani"),
    ("Juan Ramos", "Juan Ramírez"),
    ("Ramos", "Ramírez"),
    ("Rosa Flores", "Rosa Torres"),
    ("Juan Quispe Mamani", "Juan Quispe Condori"),  # each has a second surname the other lacks
    ("Juan", "Juan Quispe"),  # a first name alone is not enough
]


@pytest.mark.parametrize(("ours", "theirs"), DIFFERENT_PEOPLE)
def test_different_people_do_not_meet(ours: str, theirs: str) -> None:
    assert match(ours, theirs) is None
    assert match(theirs, ours) is None


def test_a_name_and_a_nickname_do_not_meet() -> None:
    assert (
        match_names(name_keys("Flaco"), name_keys("Flaco", nickname=True), tips_naming=lambda k: 2, total_tips=10)
        is None
    )


def test_the_scorer_uses_only_equality_of_keyed_texts() -> None:
    """Replace every text by an opaque token, as the HMAC does: the result is the same."""
    ours, theirs = name_keys("Juan Quispe Mamani"), name_keys("Juan Kispe")
    opaque: dict[str, str] = {}

    def blind(keys: list[NameKey], keep_prior: bool) -> list[NameKey]:
        return [
            NameKey(
                k.slot,
                k.position,
                k.method,
                opaque.setdefault(k.text, f"h{len(opaque)}"),
                k.prior if keep_prior else 1.0,
            )
            for k in keys
        ]

    in_clear = match_names(ours, theirs, tips_naming=lambda k: 2, total_tips=TOTAL_TIPS)
    blinded = match_names(blind(ours, True), blind(theirs, False), tips_naming=lambda k: 2, total_tips=TOTAL_TIPS)
    assert in_clear == blinded
    assert in_clear is not None


def test_scores_stay_between_zero_and_one() -> None:
    result = match("Juan Carlos Quispe Mamani", "Juan Carlos Quispe Mamani")
    assert result is not None
    assert 0.0 <= result.score <= 1.0
