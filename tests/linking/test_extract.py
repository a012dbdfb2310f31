"""Entities found in the text of realistic tips: what an investigator would record, and no noise.

Every tip here is invented for the tests; no real person, number or plate.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
            ("time", "domingo", ""),
        },
    ),
    (
        "En el pabellón 4 un agente penitenciario apodado 'el Flaco' cobra cupo semanal para dejar tener "
        'celulares. Le dicen también "Chato". Pasa los martes y jueves.',
        {
            ("place", "pabellon 4", ""),
            ("person", "flaco", ""),
            ("person", "chato", ""),
            ("time", "martes", ""),
            ("time", "jueves", ""),
        },
    ),
    (
        "La camioneta blanca de placa abc 123 del proveedor Distribuidora Los Andes S.A.C. entra sin revisión "
        "los lunes por la puerta de servicio. Otra vez vino el auto B7T-456.",
        {
            ("vehicle", "ABC123", ""),
            ("vehicle", "B7T456", ""),
            ("company", "distribuidora los andes", ""),
            ("time", "lunes", ""),
            ("place", "puerta servicio", ""),
        },
    ),
    (
        "Para pasar un celular al Pab. IV hay que llamar al +51 987 654 321 o al (01) 234-5678 y preguntar por "
        "la Sra. Rosa Quispe, que es visitante todos los domingos.",
        {
            ("place", "pabellon 4", ""),
            ("phone", "+51987654321", ""),
            ("phone", "+5112345678", ""),
            ("person", "quispe rosa", ""),
            ("time", "domingo", ""),
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
        {("person", "juan perez", "staff"), ("place", "puerta 2", ""), ("time", "lunes", "")},
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
        "Mi número de DNI lo doy después; el monto fue 45678912 centavos en total.",
        "En la revisión de la puerta no abrieron los táperes.",
        "Los técnicos del turno dejan pasar todo.",
        "El técnico del pabellón dijo que no hay problema.",
        # Decoys: capitalised words that are no person, numbers that are no phone, codes that are no plate.
        "Desde Lurigancho y el Penal de Ancón hasta Castro Castro pasa lo mismo, lo sabe Dios y el INPE.",
        "Le pagaron S/ 987654321 dice el rumor, o 987654321 soles, no sé.",
        "El expediente 41234567 y el oficio 2026-11 siguen sin respuesta.",
        "Mandé la denuncia el 12/10/2026 a las 10:30 y no pasó nada.",
        "El art 456 y la Ley 123 del reglamento no dicen eso; el Cap 123 tampoco.",
        "El tal vez sabe algo, quién sabe.",
        "La puerta de su casa estaba abierta y la cocina de mi mamá también.",
        "Lo trasladaron al E.P. Cochamarca; vive en la Av. Javier Prado, por el colegio Juan Pablo.",
        "El código de la caja es XYZ-999 y la factura F001-00012345.",
        "Recluido en el Establecimiento Penitenciario Miguel Castro Castro.",
        "Buenas noches, hace tres semanas fui a la Defensoría del Pueblo y a la Fiscalía de Trujillo.",
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
        Suggestion("time", "En la noche"),
    ]


def test_a_name_stops_at_words_that_cannot_be_part_of_it() -> None:
    assert found("Sgto. Pérez Quispe. En la noche llegó el técnico Juan de la Cruz y se fue.") == {
        ("person", "perez quispe", "staff"),
        ("person", "cruz juan", "staff"),
        ("time", "noche", ""),
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


# --- each kind, as people write it ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("el técnico Juan Quispe Mamani recibe plata", ("juan mamani quispe", "staff")),
        ("el tecnico quispe mamani recibe plata", ("mamani quispe", "staff")),
        ("SGTO. QUISPE COBRA CUPO", ("quispe", "staff")),
        ("Juan Carlos Quispe Mamani vende chips", ("carlos juan mamani quispe", "")),
        ("lo denuncio: Quispe Mamani, Juan trabaja de noche", ("juan mamani quispe", "")),
        ("el sargento Quispe-Mamani cobra", ("mamani quispe", "staff")),
        ("J. Quispe cobra en la puerta", ("j quispe", "")),
        ("la señora Rosa Huamán trae chips", ("huaman rosa", "")),
        ("don Pedro lleva los paquetes", ("pedro", "")),
        ("el interno Ccori manda", ("ccori", "inmate")),
        ("la visita Maribel Flores pasa droga", ("flores maribel", "visitor")),
        ("el PPL Mendoza es delegado", ("mendoza", "inmate")),
        ("el recluso wilber condori vende", ("condori wilber", "inmate")),
        ("el de seguridad Vargas deja pasar", ("vargas", "staff")),
        ("el personal del INPE Marco Vega deja entrar licor", ("marco vega", "staff")),
        ("el agente penitenciario Huamani abre", ("huamani", "staff")),
        ("el técnico de tercera Paredes recibe", ("paredes", "staff")),
        ("EL TECNICO JUAN PEREZ RECIBE PLATA", ("juan perez", "staff")),
        ("hay un tal Chino que vende", ("chino", "")),
        ("llamar a juan quispe mamani", ("juan mamani quispe", "")),
        ("La señora rosa huaman trae droga", ("huaman rosa", "")),
        ("el tecnico huarcaya chumpitaz agarra la plata", ("chumpitaz huarcaya", "staff")),
        ("el interno ccori introduce droga", ("ccori", "inmate")),
        ("La visita maribel flores pasa droga", ("flores maribel", "visitor")),
    ],
)
def test_people_with_or_without_a_title_in_any_case(text: str, person: tuple[str, str]) -> None:
    assert {(value, role) for kind, value, role in found(text) if kind == "person"} == {person}


@pytest.mark.parametrize(
    ("text", "nickname"),
    [
        ("alias el Zorro", "zorro"),
        ("le dicen Chato", "chato"),
        ("apodado 'Cholo'", "cholo"),
        ("conocido como el Negro", "negro"),
        ("lo conocen como «Gato Negro»", "gato negro"),
        ("el interno alias Cara de Niño", "cara nino"),
        ("un agente al que le dicen el flaco", "flaco"),
    ],
)
def test_nicknames_are_people_named_by_their_nickname(text: str, nickname: str) -> None:
    assert ("person", nickname, "") in found(text)


@pytest.mark.parametrize(
    "text",
    [
        "El Sábado fue la visita y el Lunes no.",
        "En Lurigancho, Ancón y Castro Castro igual.",
        "Desde Enero el INPE sabe todo, Dios es testigo.",
        "Cuando Llegó la Policía se fueron.",
        "el técnico recibe plata y el sargento también",
        "el tecnico agarra la plata y el sargento chantajea a los internos",
        "la visita trae droga los domingos",
    ],
)
def test_capitalised_words_that_are_not_people_are_no_person(text: str) -> None:
    assert not [s for s in suggest_entities(text) if s.kind == "person"]


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        ("987654321", "+51987654321"),
        ("987 654 321", "+51987654321"),
        ("987-654-321", "+51987654321"),
        ("+51 987 654 321", "+51987654321"),
        ("0051 987654321", "+51987654321"),
        ("51987654321", "+51987654321"),
        ("(01) 4567890", "+5114567890"),
        ("01-4567890", "+5114567890"),
        ("044-123456", "+5144123456"),
        ("(044) 123456", "+5144123456"),
    ],
)
def test_phones_in_every_way_they_are_written(written: str, canonical: str) -> None:
    assert found(f"llamen al {written} para coordinar") == {("phone", canonical, "")}


@pytest.mark.parametrize(
    "text",
    [
        *("con DNI 41234567", "DNI: 41234567", "D.N.I. N° 41234567", "documento 41234567", "su dni es 41234567-3"),
        *("identificada con DNI N.º 41234567", "identificada con 41234567", "su dni es el 41234567"),
    ],
)
def test_a_dni_is_a_dni_and_never_a_phone(text: str) -> None:
    assert found(f"la visitante {text} entra los domingos") == {("dni", "41234567", ""), ("time", "domingo", "")}


@pytest.mark.parametrize(
    ("text", "plate"),
    [
        ("el carro ABC-123 espera", "ABC123"),
        ("placa abc123", "ABC123"),
        ("la camioneta abc 123", "ABC123"),
        ("vi el ABC 123 afuera", "ABC123"),
        ("A1B-234 entra sin revisión", "A1B234"),
        ("un b3x 987 espera", "B3X987"),
        ("la moto ab-1234", "AB1234"),
        ("con placa de rodaje N° c4x-555", "C4X555"),
    ],
)
def test_plates_in_every_form(text: str, plate: str) -> None:
    assert found(text) == {("vehicle", plate, "")}


@pytest.mark.parametrize(
    "text",
    ["llegó a las 10 pm", "el código abc 123 de la caja", "la ley 123 y el art 456", "el pab 123", "son las 123 cajas"],
)
def test_what_only_looks_like_a_plate_is_no_plate(text: str) -> None:
    assert not [s for s in suggest_entities(text) if s.kind == "vehicle"]


@pytest.mark.parametrize(
    ("text", "company"),
    [
        ("la Distribuidora Santa Rosa trae la comida", "distribuidora santa rosa"),
        ("DISTRIBUIDORA SANTA ROSA S.A.C. trae la comida", "distribuidora santa rosa"),
        ("la distribuidora Santa Rosa trae la comida", "distribuidora santa rosa"),
        ("la empresa Santa Rosa trae la comida", "santa rosa"),
        ('el proveedor "Santa Rosa" trae la comida', "santa rosa"),
        ("Transportes El Sol SAC trae la comida", "transportes el sol"),
        ("el concesionario Alimentos del Sur trae la comida", "alimentos del sur"),
        ("la panadería El Trigal trae el pan", "panaderia el trigal"),
        ("Andes Unidos E.I.R.L. trae la comida", "andes unidos"),
        ("la bodega 'Don Lucho' recibe los depósitos", "bodega don lucho"),
        ("la Empresa de Transportes Santa Catalina SRL", "transportes santa catalina"),
    ],
)
def test_companies_with_or_without_a_legal_form(text: str, company: str) -> None:
    assert [s.normalised for s in suggest_entities(text) if s.kind == "company"] == [company]


@pytest.mark.parametrize(
    "text",
    [
        "compra en la tienda El técnico lo sabe",
        "la tienda de abarrotes de afuera",
        "el negocio de la señora",
        "la empresa de seguridad",
    ],
)
def test_a_business_noun_without_a_name_is_no_company(text: str) -> None:
    assert not [s for s in suggest_entities(text) if s.kind == "company"]


def test_someone_named_after_a_business_noun_is_a_person() -> None:
    assert found("el proveedor Juan Quispe y la tienda de Rosa Huamán") == {
        ("person", "juan quispe", "other"),
        ("person", "huaman rosa", ""),
    }


def test_a_lima_number_dialled_locally_needs_a_phone_word_before_it() -> None:
    assert found("llamar al 4567890") == {("phone", "+5114567890", "")}
    assert found("hay 4567890 internos") == set()


@pytest.mark.parametrize(
    "text",
    ["la puerta a las 10 se abre", "la cocina de su casa", "el pabellón del fondo", "el técnico del pabellón"],
)
def test_words_that_only_look_like_a_place_are_no_place(text: str) -> None:
    assert not [s for s in suggest_entities(text) if s.kind == "place"]


def test_the_visitor_is_not_the_visiting_day() -> None:
    assert found("en la visita Maribel trajo chips") == {("person", "maribel", "visitor")}
    assert found("en la visita trajo chips") == {("time", "dia de visita", "")}


def test_a_greeting_is_no_night() -> None:
    assert found("buenas noches, quiero denunciar") == set()


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("por el muro norte", "muro norte"),
        ("por el muro de la parte norte", "muro norte"),
        ("por la pared norte", "muro norte"),
        ("desde el torreón 3", "torre 3"),
        ("desde el torreon tres", "torre 3"),
        ("en la puerta principal", "puerta principal"),
        ("en el ingreso de visitas", "ingreso visita"),
        ("en la entrada de visitas", "ingreso visita"),
        ("en el patio del pabellón 2", "patio pabellon 2"),
        ("en el pabellón IV", "pabellon 4"),
        ("en el pabellón 4-A", "pabellon 4 a"),
        ("en el locutorio", "locutorio"),
        ("en el tópico", "topico"),
        ("en los talleres", "taller"),
        ("en la zona de revisión", "zona revision"),
        ("en la garita 2", "garita 2"),
        ("en la celda 12", "celda 12"),
        ("EN EL MODULO III", "modulo 3"),
    ],
)
def test_places_inside_a_prison_meet_whatever_their_spelling(text: str, place: str) -> None:
    assert found(text) == {("place", place, "")}


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("los sábados", "sabado"),
        ("el DOMINGO", "domingo"),
        ("los días de visita", "dia de visita"),
        ("en la visita", "dia de visita"),
        ("en la visita íntima", "dia de visita"),
        ("en el cambio de guardia", "cambio de turno"),
        ("en el relevo", "cambio de turno"),
        ("al cambiar el turno", "cambio de turno"),
        ("en la entrega de guardia", "cambio de turno"),
        ("toda la noche", "noche"),
        ("por la noche", "noche"),
        ("de noche", "noche"),
        ("a las 10 pm", "noche"),
        ("a las 22:00 horas", "noche"),
        ("en la madrugada", "madrugada"),
        ("a las 3 am", "madrugada"),
    ],
)
def test_times_that_matter(text: str, when: str) -> None:
    assert found(f"pasan la droga {text}") == {("time", when, "")}


# --- measured on a labelled set -------------------------------------------------------------------------------

# Invented tips written the many ways tips arrive (lower case, capitals, no accents, operator notes), each
# with everything an investigator would record: (kind, normalised value, role).
LABELLED: list[tuple[str, set[tuple[str, str, str]]]] = [
    (
        "el tecnico quispe mamani recibe plata de los familiares los sabados en la puerta principal",
        {("person", "mamani quispe", "staff"), ("time", "sabado", ""), ("place", "puerta principal", "")},
    ),
    (
        "EL SGTO. QUISPE COBRA 50 SOLES POR CADA CELULAR QUE ENTRA POR EL TORREON 3 EN LA NOCHE",
        {("person", "quispe", "staff"), ("place", "torre 3", ""), ("time", "noche", "")},
    ),
    (
        "La persona indica que el agente Juan Carlos Huarcaya Ramos ingresa droga durante el cambio de guardia.",
        {("person", "carlos huarcaya juan ramos", "staff"), ("time", "cambio de turno", "")},
    ),
    (
        "Juan Carlos Quispe Mamani vende chips en el pabellon 5 y su numero es 987 654 321",
        {("person", "carlos juan mamani quispe", ""), ("place", "pabellon 5", ""), ("phone", "+51987654321", "")},
    ),
    (
        "Denuncio a Quispe Mamani, Juan que trabaja en la garita norte, lo contactan al 945-123-456",
        {("person", "juan mamani quispe", ""), ("place", "garita norte", ""), ("phone", "+51945123456", "")},
    ),
    (
        "la señora Rosa Huamán trae droga escondida en la comida los días de visita",
        {("person", "huaman rosa", ""), ("time", "dia de visita", "")},
    ),
    (
        "don Pedro es el que lleva los paquetes hasta el muro de la parte norte por la madrugada",
        {("person", "pedro", ""), ("place", "muro norte", ""), ("time", "madrugada", "")},
    ),
    (
        "el interno Ccori alias el Zorro maneja la extorsion desde la celda 12",
        {("person", "ccori", "inmate"), ("person", "zorro", ""), ("place", "celda 12", "")},
    ),
    (
        "la visita Maribel Flores con DNI 41234567 pasa celulares en la zona de revision",
        {("person", "flores maribel", "visitor"), ("dni", "41234567", ""), ("place", "zona revision", "")},
    ),
    (
        "Un técnico al que le dicen Chato cobra cupo en el locutorio, pagan por yape al 51987111222",
        {("person", "chato", ""), ("place", "locutorio", ""), ("phone", "+51987111222", "")},
    ),
    (
        "Hay un interno apodado 'Cholo' que vende droga en el patio del pabellón 2",
        {("person", "cholo", ""), ("place", "patio pabellon 2", "")},
    ),
    (
        "conocido como el Negro, el recluso Wilber Condori Apaza controla el pabellón B",
        {("person", "negro", ""), ("person", "apaza condori wilber", "inmate"), ("place", "pabellon b", "")},
    ),
    (
        "La camioneta de placa abc123 de la Distribuidora Santa Rosa entra sin revisión por el portón principal",
        {("vehicle", "ABC123", ""), ("company", "distribuidora santa rosa", ""), ("place", "puerta principal", "")},
    ),
    (
        'el proveedor de la empresa "San Martín" llega en un camión B3X 987 los martes',
        {("company", "san martin", ""), ("vehicle", "B3X987", ""), ("time", "martes", "")},
    ),
    (
        "DISTRIBUIDORA SANTA ROSA S.A.C. tiene la concesión del rancho y mete licor",
        {("company", "distribuidora santa rosa", ""), ("place", "rancho", "")},
    ),
    (
        "Transportes El Sol SAC trae la comida, el chofer es el señor Luis Quispe",
        {("company", "transportes el sol", ""), ("person", "luis quispe", "")},
    ),
    (
        "Llamar al (01) 4567890 o al 01-4567890, preguntar por el técnico Ramos",
        {("phone", "+5114567890", ""), ("person", "ramos", "staff")},
    ),
    ("me llamaron del 044-123456 y del (044) 123456 para pedirme 500 soles", {("phone", "+5144123456", "")}),
    (
        "el sargento Perez-Villanueva recibe coima en el tópico a las 10 pm",
        {("person", "perez villanueva", "staff"), ("place", "topico", ""), ("time", "noche", "")},
    ),
    (
        "J. Quispe del INPE cobra por dejar pasar celulares en el ingreso de visitas",
        {("person", "j quispe", ""), ("place", "ingreso visita", "")},
    ),
    (
        "por la entrada de visitas pasan la droga en la visita del domingo",
        {("place", "ingreso visita", ""), ("time", "dia de visita", ""), ("time", "domingo", "")},
    ),
    (
        "el alcaide Rodríguez sabe todo y no hace nada, el PPL Mendoza es su delegado",
        {("person", "rodriguez", "staff"), ("person", "mendoza", "inmate")},
    ),
    (
        "El reo Fidel Gamarra paga al guardia Soto para tener celular en el módulo III",
        {("person", "fidel gamarra", "inmate"), ("person", "soto", "staff"), ("place", "modulo 3", "")},
    ),
    (
        "En Lurigancho el personal del INPE Marco Vega deja entrar licor por la pared norte",
        {("person", "marco vega", "staff"), ("place", "muro norte", "")},
    ),
    ("Desde el Penal de Ancón llaman al +51 987 654 321 para extorsionar", {("phone", "+51987654321", "")}),
    (
        "la esposa del interno Gonzales, Carmen Rojas, trae chips los sábados",
        {("person", "gonzales", "inmate"), ("person", "carmen rojas", ""), ("time", "sabado", "")},
    ),
    (
        "el auto de placa A1B-234 espera afuera, el conductor es el señor Tito Ramos con dni 07654321",
        {("vehicle", "A1B234", ""), ("person", "ramos tito", ""), ("dni", "07654321", "")},
    ),
    (
        "tecnico ramos y tecnico salazar cobran en la garita 2 en el relevo",
        {
            ("person", "ramos", "staff"),
            ("person", "salazar", "staff"),
            ("place", "garita 2", ""),
            ("time", "cambio de turno", ""),
        },
    ),
    (
        "A las 2 de la madrugada lanzan paquetes por encima del muro sur",
        {("time", "madrugada", ""), ("place", "muro sur", "")},
    ),
    ("El 15 de marzo de 2026 pagué S/ 500 al técnico Juan Pérez por un traslado", {("person", "juan perez", "staff")}),
    (
        "la interna Rosa Quispe vende droga en los talleres, la otra se llama Maria Lopez Flores",
        {("person", "quispe rosa", "inmate"), ("place", "taller", ""), ("person", "flores lopez maria", "")},
    ),
    (
        "EL TECNICO HUAMAN RECIBE PLATA EN LA PUERTA 2 LOS DIAS DE VISITA, SU CELULAR 912345678",
        {
            ("person", "huaman", "staff"),
            ("place", "puerta 2", ""),
            ("time", "dia de visita", ""),
            ("phone", "+51912345678", ""),
        },
    ),
    (
        "la moto ab-1234 trae la droga y la entrega al vigilante Jorge Campos",
        {("vehicle", "AB1234", ""), ("person", "campos jorge", "staff")},
    ),
    (
        "Dios sabe que en el pabellón cuatro se vende de todo, el jefe de seguridad no hace nada",
        {("place", "pabellon 4", "")},
    ),
    (
        "El sábado el técnico Luna recibió dinero en la capilla, yo lo vi",
        {("time", "sabado", ""), ("person", "luna", "staff"), ("place", "capilla", "")},
    ),
    (
        "Mi hermano está en el pabellón 7, el técnico de apellido Cárdenas le pide 300 soles semanal",
        {("place", "pabellon 7", ""), ("person", "cardenas", "staff")},
    ),
    (
        "se comunican por whatsapp al 0051 987654321 con la Sra. Gladys Ticona, conocida como la Tía",
        {("phone", "+51987654321", ""), ("person", "gladys ticona", ""), ("person", "tia", "")},
    ),
    (
        "el bus de la empresa Inversiones Qori EIRL tiene placa C4X-555",
        {("company", "inversiones qori", ""), ("vehicle", "C4X555", "")},
    ),
    (
        "persona indica que en la cocina del penal el interno Zapata guarda armas",
        {("place", "cocina", ""), ("person", "zapata", "inmate")},
    ),
    (
        "la bodega 'Don Lucho' de afuera recibe los depositos para el técnico Yupanqui",
        {("company", "bodega don lucho", ""), ("person", "yupanqui", "staff")},
    ),
    (
        "todos los viernes por la noche el agente penitenciario Huamani abre la puerta posterior",
        {
            ("time", "viernes", ""),
            ("time", "noche", ""),
            ("person", "huamani", "staff"),
            ("place", "puerta posterior", ""),
        },
    ),
    (
        "Pedro Castillo no es el que digo, es el tecnico Castillo del torreon tres",
        {("person", "castillo pedro", ""), ("person", "castillo", "staff"), ("place", "torre 3", "")},
    ),
    (
        "El mototaxi amarillo b3x 987 espera en la puerta de servicio",
        {("vehicle", "B3X987", ""), ("place", "puerta servicio", "")},
    ),
    (
        "En el locutorio el técnico Julca cobra 20 soles, su numero 987-654-321 y dni 45678912",
        {
            ("place", "locutorio", ""),
            ("person", "julca", "staff"),
            ("phone", "+51987654321", ""),
            ("dni", "45678912", ""),
        },
    ),
    (
        "la persona indica que el capitán Rivera y la técnica Ana Salazar reciben dinero del interno alias Cara de Niño",
        {("person", "rivera", "staff"), ("person", "ana salazar", "staff"), ("person", "cara nino", "")},
    ),
    (
        "en la lavanderia esconden los celulares, los miercoles hacen requisa pero avisan antes",
        {("place", "lavanderia", ""), ("time", "miercoles", "")},
    ),
    (
        "Llamó al 987654321 el 2026-11-01 a las 10:30, la placa era ABC 123",
        {("phone", "+51987654321", ""), ("vehicle", "ABC123", "")},
    ),
    (
        "Señores, el Sgto Ayala del pabellon 6 cobra 20 soles por cada llamada, el celular lo tiene el interno Rojas alias Pulpo",
        {
            ("person", "ayala", "staff"),
            ("place", "pabellon 6", ""),
            ("person", "rojas", "inmate"),
            ("person", "pulpo", ""),
        },
    ),
    (
        "mi cuñada visita a su esposo los domingos y el técnico Erick Paredes le revisa mal, le toca, es en la zona de revisión de mujeres",
        {("time", "domingo", ""), ("person", "erick paredes", "staff"), ("place", "zona revision", "")},
    ),
    (
        "la persona que llama indica que el interno Jhonatan Gutiérrez Silva está amenazado por otro interno conocido como Tuerto en el pabellón 1-B",
        {("person", "gutierrez jhonatan silva", "inmate"), ("person", "tuerto", ""), ("place", "pabellon 1 b", "")},
    ),
    (
        "ENTRA DROGA EN LOS TAPERS DE COMIDA LOS SABADOS Y DOMINGOS, LA TECNICA MILAGROS VEGA NO REVISA",
        {("time", "sabado", ""), ("time", "domingo", ""), ("person", "milagros vega", "staff")},
    ),
    (
        "El vehículo de placa D4F-876 de la empresa Alimentos Andinos SAC ingresa sin revisión al rancho",
        {("vehicle", "D4F876", ""), ("company", "alimentos andinos", ""), ("place", "rancho", "")},
    ),
    (
        "hay un agente q le dicen el chino q cobra por los traslados, su numero 956 789 123",
        {("person", "chino", ""), ("phone", "+51956789123", "")},
    ),
    (
        "el alcaide Benites Zapata, el subdirector Ríos y el técnico Palomino están metidos",
        {("person", "benites zapata", "staff"), ("person", "rios", "staff"), ("person", "palomino", "staff")},
    ),
    (
        "por el torreón 2 tiran paquetes de madrugada, lo coordinan desde el 01 4321098",
        {("place", "torre 2", ""), ("time", "madrugada", ""), ("phone", "+5114321098", "")},
    ),
    (
        "en el cambio de turno de las 7 de la mañana pasan los celulares por la puerta 3",
        {("time", "cambio de turno", ""), ("place", "puerta 3", "")},
    ),
    (
        "la visitante Sonia Mendoza Ayala con DNI 43215678 lleva chips en la ropa",
        {("person", "ayala mendoza sonia", "visitor"), ("dni", "43215678", "")},
    ),
    (
        "El Tco. INPE Walter Chávez recibe depósitos a su cuenta y su celular es 999 111 222",
        {("person", "chavez walter", "staff"), ("phone", "+51999111222", "")},
    ),
    (
        "en el taller de carpintería fabrican armas, el encargado es el interno Luis Ponce",
        {("place", "taller carpinteria", ""), ("person", "luis ponce", "inmate")},
    ),
    (
        "el sabado en la noche el agente Vargas dejo entrar a una mujer al pabellon 9",
        {("time", "sabado", ""), ("time", "noche", ""), ("person", "vargas", "staff"), ("place", "pabellon 9", "")},
    ),
    (
        "la panadería Santa Lucía abastece al penal y el chofer de la camioneta abc-456 pasa droga",
        {("company", "panaderia santa lucia", ""), ("vehicle", "ABC456", "")},
    ),
    (
        "Mi hijo interno en Ancón 1 me dice que el delegado del pabellón, un tal Gringo, cobra por cama",
        {
            ("person", "gringo", ""),
        },
    ),
    (
        "los miércoles en la noche el técnico de apellido Huanca abre la celda 23 del pabellón 5",
        {
            ("time", "miercoles", ""),
            ("time", "noche", ""),
            ("person", "huanca", "staff"),
            ("place", "celda 23 pabellon 5", ""),
        },
    ),
    (
        "el Sr. Pedro Quispe Ccallo, de la empresa Transportes Rápido EIRL, trae las encomiendas",
        {("person", "ccallo pedro quispe", ""), ("company", "transportes rapido", "")},
    ),
    (
        "Maribel, la esposa del interno Cahuana, deposita al 912 345 678 del sargento Llanos",
        {("person", "cahuana", "inmate"), ("phone", "+51912345678", ""), ("person", "llanos", "staff")},
    ),
    (
        "el técnico Ramos cobra en la garita sur y el técnico Ramos Quispe en la garita norte",
        {
            ("person", "ramos", "staff"),
            ("person", "quispe ramos", "staff"),
            ("place", "garita sur", ""),
            ("place", "garita norte", ""),
        },
    ),
    (
        "lo hacen en el locutorio durante la visita, la placa del auto es BHK 321",
        {("place", "locutorio", ""), ("time", "dia de visita", ""), ("vehicle", "BHK321", "")},
    ),
    (
        "se comunica la señora Carmen quien manifiesta que su hijo el interno Kevin Torres es extorsionado",
        {("person", "carmen", ""), ("person", "kevin torres", "inmate")},
    ),
]


def measure() -> dict[str, tuple[float, float]]:
    """Return recall and precision by kind of entity over LABELLED (a value counts when it normalises alike)."""
    hits: Counter[str] = Counter()
    extra: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for text, expected in LABELLED:
        wanted = {(kind, value) for kind, value, _role in expected}
        got = {(s.kind, s.normalised) for s in suggest_entities(text)}
        hits.update(kind for kind, _ in got & wanted)
        extra.update(kind for kind, _ in got - wanted)
        missed.update(kind for kind, _ in wanted - got)
    return {
        kind: (hits[kind] / ((hits[kind] + missed[kind]) or 1), hits[kind] / ((hits[kind] + extra[kind]) or 1))
        for kind in sorted(hits | extra | missed)
    }


def test_recall_and_precision_of_every_kind_reach_ninety_percent() -> None:
    assert len(LABELLED) >= 40
    for kind, (recall, precision) in measure().items():
        assert recall >= 0.9, kind
        assert precision >= 0.9, kind


def test_roles_are_read_from_the_titles() -> None:
    wrong = [
        (text, found(text) - expected)
        for text, expected in LABELLED
        if {(k, v) for k, v, _ in found(text)} == {(k, v) for k, v, _ in expected} and found(text) != expected
    ]
    assert wrong == []


def test_a_typical_tip_takes_a_few_milliseconds() -> None:
    texts = [text for text, _ in LABELLED]
    suggest_entities(texts[0])  # the phonenumbers metadata loads once
    started = time.perf_counter()
    for text in texts:
        suggest_entities(text)
    assert (time.perf_counter() - started) / len(texts) < 0.02  # about 1 ms measured; room for slow CI


if __name__ == "__main__":  # .venv/bin/python -m tests.linking.test_extract
    for kind, (recall, precision) in measure().items():
        print(f"{kind:8} recall {recall:.2f}  precision {precision:.2f}")
    texts = [text for text, _ in LABELLED]
    started = time.perf_counter()
    for _ in range(20):
        for text in texts:
            suggest_entities(text)
    print(f"{(time.perf_counter() - started) / (20 * len(texts)) * 1000:.2f} ms per tip over {len(texts)} tips")


_TIP_WORDS = [
    "el",
    "técnico",
    "Quispe",
    "alias",
    "DNI",
    "placa",
    "ABC-123",
    "987654321",
    "pabellón",
    "4",
    "S.A.C.",
    ",",
]


@given(st.lists(st.sampled_from(_TIP_WORDS) | st.text(max_size=8), max_size=30))
def test_any_text_gives_suggestions_that_normalise_to_something(words: list[str]) -> None:
    for suggestion in suggest_entities(" ".join(words)):
        assert suggestion.normalised


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"SABOR NORTEÑO" SIGUE VENDIENDO ALCOHOL.', [("company", "SABOR NORTEÑO")]),
        ('el interno "Cara de Niño" vende', []),
        ("La visita con DNI 70314286 (Mendoza) sigue ingresando chips", [("person", "Mendoza")]),
        ("LLANOS CORI LUIS COBRA POR TRASLADOS", [("person", "LLANOS CORI LUIS")]),
        ("denuncio al tecnico juan carlos quspe mamani que cobra", [("person", "juan carlos quspe mamani")]),
        ("Chávez Marco, teniente del INPE, humilla a las visitas", [("person", "Chávez Marco")]),
        ("Siguen lanzando cosas al lado norte del muro", [("place", "lado norte del muro")]),
    ],
)
def test_names_and_places_written_in_less_usual_ways(text: str, expected: list[tuple[str, str]]) -> None:
    found = [(s.kind, s.value) for s in suggest_entities(text) if s.kind in {"person", "company", "place"}]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("mi número es 987 654 321, el técnico Juan Quispe cobra", [("person", "Juan Quispe")]),
        ("Me llamo Rosa Flores y el agente Pérez cobra", [("person", "Pérez")]),
        ("llámenme al 912345678 si necesitan más datos", []),
        ("mi DNI es 41234567", []),
        ("su número es 987 654 321", [("phone", "987 654 321")]),
    ],
)
def test_what_the_whistleblower_says_about_themselves_is_never_an_entity(
    text: str, kept: list[tuple[str, str]]
) -> None:
    """Their own phone, DNI or name would join one person's reports together if it were linked."""
    assert [(s.kind, s.value) for s in suggest_entities(text)] == kept
