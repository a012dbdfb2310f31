"""Suggestions from the text of realistic tips: what an investigator would record, and no noise."""

from __future__ import annotations

import pytest

from linking.extract import Suggestion, suggest_entities


def found(text: str) -> set[tuple[str, str, str]]:
    return {(s.kind, s.normalised, s.role) for s in suggest_entities(text)}


TIPS = [
    (
        "El técnico Juan Ramos recibe celulares de las visitas los domingos en la puerta 2. Cuando no está, "
        "el Sgto. Pérez hace lo mismo. Los familiares le depositan al 987 654 321.",
        {
            ("person", "juan ramos", "staff"),
            ("person", "perez", "staff"),
            ("place", "puerta 2", ""),
            ("phone", "+51987654321", ""),
        },
    ),
    (
        "En el pabellón 4 un agente penitenciario apodado 'el Flaco' cobra cupo semanal para dejar tener "
        'celulares. Le dicen también "Chato". Pasa los martes y jueves.',
        {("place", "pabellon 4", ""), ("person", "flaco", ""), ("person", "chato", "")},
    ),
    (
        "La camioneta blanca de placa abc 123 del proveedor Distribuidora Los Andes S.A.C. entra sin revisión "
        "los lunes por la puerta de servicio. Otra vez vino el auto B7T-456.",
        {("vehicle", "ABC123", ""), ("vehicle", "B7T456", ""), ("company", "distribuidora los andes", "")},
    ),
    (
        "Para pasar un celular al Pab. IV hay que llamar al +51 987 654 321 o al (01) 234-5678 y preguntar por "
        "la Sra. Rosa Quispe, que es visitante todos los domingos.",
        {
            ("place", "pabellon 4", ""),
            ("phone", "+51987654321", ""),
            ("phone", "+5112345678", ""),
            ("person", "quispe rosa", ""),
        },
    ),
    (
        "La interna María López recibe chips de la visitante Carmen Huamán. El alcaide Luis Mamani lo sabe.",
        {
            ("person", "lopez maria", "inmate"),
            ("person", "carmen huaman", "visitor"),
            ("person", "luis mamani", "staff"),
        },
    ),
    (
        "EL SARGENTO JUAN PEREZ RECIBE PLATA DEL PROVEEDOR EN LA PUERTA 2 TODOS LOS LUNES",
        {("person", "juan perez", "staff"), ("place", "puerta 2", "")},
    ),
]


@pytest.mark.parametrize(("text", "expected"), TIPS, ids=[f"tip-{i}" for i in range(len(TIPS))])
def test_realistic_tips_suggest_what_they_name(text: str, expected: set[tuple[str, str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Ocurrió el 2026-11-01 a las 10:30 y otra vez el 15/11/2026.",
        "Le pidieron 1500 soles de cupo; otros pagan 300 o 450 por semana.",
        "Mi DNI es 45678912 pero no quiero que lo sepan.",
        "En la revisión de la puerta no abrieron los táperes.",
        "Los técnicos del turno de noche dejan pasar todo.",
        "El técnico del pabellón dijo que no hay problema.",
    ],
)
def test_dates_amounts_documents_and_common_words_are_not_suggested(text: str) -> None:
    assert suggest_entities(text) == []


def test_each_entity_is_suggested_once_in_the_order_it_appears() -> None:
    text = "Llamar al 987654321. El Sr. Ramos dijo... el técnico Ramos En la noche. Repito: 987 654 321."
    assert suggest_entities(text) == [
        Suggestion("phone", "987654321"),
        # The first spelling, with the role a later mention revealed.
        Suggestion("person", "Ramos", "staff"),
    ]


def test_a_name_stops_at_words_that_cannot_be_part_of_it() -> None:
    assert found("Sgto. Pérez Quispe. En la noche llegó el técnico Juan de la Cruz y se fue.") == {
        ("person", "perez quispe", "staff"),
        ("person", "cruz juan", "staff"),
    }


def test_nicknames_with_or_without_quotes() -> None:
    assert found("alias Gato, conocido como «el Tío», le dicen el Chino") == {
        ("person", "gato", ""),
        ("person", "tio", ""),
        ("person", "chino", ""),
    }


def test_landlines_need_their_area_code_and_mobiles_their_nine_digits() -> None:
    assert found("Llamó del 044-123-456 y del 0051 1 234 5678; el 234 5678 no basta, ni el 98765432.") == {
        ("phone", "+5144123456", ""),
        ("phone", "+5112345678", ""),
    }
