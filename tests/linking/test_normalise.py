"""Normalisation: the spellings of one entity meet, and different entities never do."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from linking.models import EntityKind
from linking.normalise import NORMALISERS, fold, normalise, roman_to_int

# (kind, spellings that must all give the same canonical form, that form)
SAME_ENTITY = [
    # people: ranks, titles, case, accents, punctuation, word order, particles
    ("person", ["Sgto. Juan Pérez", "sargento JUAN PEREZ", "Juan Perez", "juan pérez", "Pérez, Juan"], "juan perez"),
    ("person", ["el técnico Juan Ramos", "Tco. Juan Ramos", "Técnico INPE Juan Ramos", "Ramos Juan"], "juan ramos"),
    ("person", ["Sgt. Pérez", "sgto perez", "El Sargento Pérez", "Suboficial Pérez", "PEREZ"], "perez"),
    ("person", ["alias 'el Flaco'", 'apodado "El Flaco"', "el flaco", "le dicen «el Flaco»", "Flaco"], "flaco"),
    (
        "person",
        ["Alcaide Rosa Quispe", "la alcaide ROSA QUISPE", "Sra. Rosa Quispe", "doña Rosa Quispe"],
        "quispe rosa",
    ),
    ("person", ["Capitán Luis Mamani", "Cap. Luis Mamani", "capitan luis mamani", "Agente Luis Mamani"], "luis mamani"),
    ("person", ["don José Ñañez", "Sr. Jose Nanez", "JOSÉ ÑAÑEZ", "  José   Ñañez  "], "jose nanez"),
    ("person", ["Juan de la Cruz", "Juan Cruz", "Cruz, Juan de la", "JUAN DE LA CRUZ"], "cruz juan"),
    ("person", ["la interna María López", "interna Maria Lopez", "María López (interna)"], "lopez maria"),
    # phones: every way a Peruvian number is written
    (
        "phone",
        ["+51 987 654 321", "0051-987654321", "987-654-321", "987654321", "51987654321", "(+51) 987.654.321"],
        "+51987654321",
    ),
    ("phone", ["(01) 234-5678", "01 234 5678", "234-5678", "+51 1 234 5678", "0051 1 2345678"], "+5112345678"),
    ("phone", ["(044) 123456", "044-123-456", "+51 44 123456", "0051 44 123 456"], "+5144123456"),
    ("phone", ["+1 555 123 4567", "001 555 123 4567"], "+15551234567"),
    # vehicles
    ("vehicle", ["ABC-123", "abc 123", "ABC123", "placa ABC-123", "Placa N° abc-123", " abc–123 "], "ABC123"),
    ("vehicle", ["A1B-234", "a1b 234", "A1B234"], "A1B234"),
    ("vehicle", ["AB-1234", "ab 1234"], "AB1234"),
    # companies: legal forms, leading "empresa", dots and spaces
    (
        "company",
        [
            "Transportes El Sol S.A.C.",
            "TRANSPORTES EL SOL SAC",
            "Empresa de Transportes El Sol S. A. C.",
            "transportes el sol sociedad anónima cerrada",
            "Transportes El Sol",
        ],
        "transportes el sol",
    ),
    ("company", ["Comercial Ríos E.I.R.L.", "COMERCIAL RIOS EIRL", "Comercial Rios"], "comercial rios"),
    (
        "company",
        ["Distribuidora Andina S.R.L.", "Distribuidora Andina SRL", "distribuidora andina s.a."],
        "distribuidora andina",
    ),
    ("company", ["Inversiones Qori S.A.A.", "Inversiones Qori SAA", "Inversiones Qori S.A.C."], "inversiones qori"),
    # places
    (
        "place",
        ["pabellón 4", "pab. 4", "Pabellon IV", "PABELLÓN N° 4", "Pabellón Nº 4", "pabellón cuatro", "el pabellón 04"],
        "pabellon 4",
    ),
    ("place", ["pabellón 4-A", "Pabellon 4A", "pab. 4 a"], "pabellon 4 a"),
    ("place", ["Puerta 2", "pta. 2", "puerta dos", "Puerta II"], "puerta 2"),
    ("place", ["Pabellón B", "pabellon b", "PAB. B"], "pabellon b"),
    ("place", ["Torre 3", "torre III", "la torre tres", "torreón 3", "Torreon tres"], "torre 3"),
    # place synonyms: a wall, the visitors' entrance, the main gate, the search area
    ("place", ["muro norte", "el muro de la parte norte", "pared norte", "Muro del lado norte"], "muro norte"),
    (
        "place",
        ["ingreso de visitas", "entrada de visitas", "Ingreso de Visita", "la entrada de las visitas"],
        "ingreso visita",
    ),
    ("place", ["puerta principal", "portón principal", "Puerta Principal"], "puerta principal"),
    ("place", ["zona de revisión", "área de revisión", "sala de requisa"], "zona revision"),
    ("place", ["talleres", "el taller"], "taller"),
    # DNIs: the 8 digits, however they are written
    ("dni", ["41234567", "DNI 41234567", "D.N.I. N° 41234567", "41.234.567", "41234567-5"], "41234567"),
    ("dni", ["07654321", "dni: 07654321"], "07654321"),
    # times that matter
    ("time", ["sábado", "los sabados", "SABADO", "el sábado"], "sabado"),
    ("time", ["los días de visita", "en la visita", "día de visitas", "horario de visita"], "dia de visita"),
    ("time", ["cambio de turno", "cambio de guardia", "el relevo", "cuando cambian de turno"], "cambio de turno"),
    ("time", ["por la noche", "de noche", "en las noches", "10 pm", "a las 22:00 horas", "11 de la noche"], "noche"),
    ("time", ["madrugada", "en la madrugada", "3 am", "a las 2 de la madrugada", "03:30"], "madrugada"),
    # companies: generic nouns are dropped, the trade noun kept
    ("company", ["la empresa Santa Rosa", "Santa Rosa S.A.C.", "concesionaria Santa Rosa"], "santa rosa"),
    (
        "company",
        ["Distribuidora Santa Rosa", "DISTRIBUIDORA SANTA ROSA S.A.C.", "la distribuidora Santa Rosa"],
        "distribuidora santa rosa",
    ),
]

# (kind, a, b): different entities that must stay apart
DIFFERENT_ENTITIES = [
    ("person", "Juan Ramos", "Juan Ramírez"),
    ("person", "Juan Ramos", "Juana Ramos"),
    ("person", "Sgto. Juan Pérez", "Sgto. José Pérez"),
    ("person", "Juan Pérez", "Juan Pérez Quispe"),
    ("person", "el Flaco", "el Chato"),
    ("person", "Luis Mamani", "Luis Mamani Mamani"),
    ("phone", "987 654 321", "987 654 322"),
    ("phone", "987 654 321", "987 654 312"),
    ("phone", "(01) 234-5678", "(044) 234567"),
    ("phone", "(01) 234-5678", "(01) 234-5679"),
    ("phone", "+51 987 654 321", "+52 987 654 321"),
    ("vehicle", "ABC-123", "ABC-124"),
    ("vehicle", "ABC-123", "ACB-123"),
    ("vehicle", "A1B-234", "AIB-234"),
    ("company", "Transportes El Sol S.A.C.", "Transportes La Luna S.A.C."),
    ("company", "Comercial Ríos", "Comercial Ríos del Norte"),
    ("place", "pabellón 4", "pabellón 5"),
    ("place", "pabellón 4", "pabellón 4-A"),
    ("place", "pabellón 4", "puerta 4"),
    ("place", "Pabellón IV", "Pabellón VI"),
    ("place", "muro norte", "muro sur"),
    ("place", "torre 3", "puerta 3"),
    ("dni", "41234567", "41234568"),
    ("time", "sabado", "domingo"),
    ("time", "por la noche", "en la madrugada"),
]

NOTHING_LEFT = [
    ("person", "Sgto."),
    ("person", "el técnico"),
    ("person", "  ,;. "),
    ("phone", "12345"),
    ("phone", "llamar luego"),
    ("vehicle", "ABC"),
    ("vehicle", "placa"),
    ("company", ""),
    ("place", "  "),
    ("dni", "4123456"),
    ("dni", "412345678"),
    ("dni", "DNI"),
    ("time", "a las 10"),
    ("time", "3 pm"),
    ("time", "ayer"),
]


def _same_entity_cases() -> list[object]:
    return [
        pytest.param(kind, spelling, expected, id=f"{kind}:{spelling}")
        for kind, spellings, expected in SAME_ENTITY
        for spelling in spellings
    ]


@pytest.mark.parametrize(("kind", "spelling", "expected"), _same_entity_cases())
def test_spellings_of_one_entity_meet(kind: str, spelling: str, expected: str) -> None:
    assert normalise(kind, spelling) == expected


@pytest.mark.parametrize(
    ("kind", "a", "b"), [pytest.param(*row, id=f"{row[0]}:{row[1]}|{row[2]}") for row in DIFFERENT_ENTITIES]
)
def test_different_entities_stay_apart(kind: str, a: str, b: str) -> None:
    assert normalise(kind, a)
    assert normalise(kind, a) != normalise(kind, b)


@pytest.mark.parametrize(("kind", "value"), NOTHING_LEFT)
def test_values_without_an_entity_normalise_to_nothing(kind: str, value: str) -> None:
    assert normalise(kind, value) == ""


def test_every_kind_has_a_normaliser() -> None:
    # "dni" and "time" are normalised before EntityKind names them (the integrator adds them to the model).
    assert set(EntityKind.values) <= set(NORMALISERS)
    with pytest.raises(ValueError):
        normalise("pet", "Firulais")


@pytest.mark.parametrize(
    ("word", "value"), [("i", 1), ("iv", 4), ("ix", 9), ("xiv", 14), ("xxxix", 39), ("iiii", None), ("vx", None)]
)
def test_roman_numerals(word: str, value: int | None) -> None:
    assert roman_to_int(word) == value


def test_fold_removes_accents_case_and_punctuation() -> None:
    assert fold("  ¡Señor  PÉREZ-Ñúñez!, (técnico) ") == "senor perez nunez tecnico"


@given(kind=st.sampled_from(sorted(NORMALISERS)), text=st.text(max_size=60))
def test_normalising_twice_changes_nothing(kind: str, text: str) -> None:
    once = normalise(kind, text)
    assert normalise(kind, once) == once
