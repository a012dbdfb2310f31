"""Word lists for reading names in Peruvian Spanish: given names, common surnames, and the words around names.

Pure data and lookups, no Django, folded like linking.normalise.fold (lower case, no
accents, "ñ" as "n"). Written for this project from general knowledge of Peruvian
naming: the lists are public knowledge, hold no person, and only tell the extractor
that a word is usually a first name, and the matcher how common a surname is (a
shared "Quispe" alone is weak evidence; a shared "Ccallo" is not).
"""

from __future__ import annotations


def _words(text: str) -> list[str]:
    return text.split()


# Given names common in Peru (Spanish, Quechua and Aymara, and the usual English-derived ones), folded.
GIVEN_NAMES = frozenset(
    _words(
        """
    aaron abel abelardo abigail abraham ada adan adela adelaida adolfo adrian adriana agustin agustina
    aida alan alba alberto albina alcides alejandra alejandro alejo alex alexander alexis alfonso alfredo
    alicia alina alipio alison alvaro amado amalia amanda amelia america amparo ana anabel anais anastasia
    andrea andres angel angela angelica angelo anibal antonia antonio apolinar ariana armando arnold
    arturo augusto aurelio aurora beatriz benedicto benigno benito benjamin bernardo bertha blanca
    brayan briggitte bruno camila candelaria carla carlos carmen carolina catalina cecilia celestino
    celia cesar charo christian cinthia clara claudia clemente concepcion consuelo cristian cristina
    cristobal cusi dalia damaso daniel daniela dante dario david debora delia demetrio denis diana
    diego dina dionisio domingo dora doris edgar edith edson eduardo edwin efrain elena eleuterio eli
    elias elizabeth elmer elsa elvira emilio enrique erick erika ernesto esperanza esteban estela
    eugenia eugenio eusebio eva evelyn ezequiel fabian fabiola fausto federico felipe felix fernando
    fidel flor florencio flora francisca francisco franco freddy gabriel gabriela genaro gerardo
    german gilberto gina giovanna gladys gloria gonzalo graciela gregorio guadalupe guido guillermo
    gustavo hector heraclio herbert hermogenes hernan hilario hilda hipolito homero hugo humberto
    ignacio ines inti irene iris isaac isabel ismael israel ivan jack jaime janet javier jefferson
    jesus jhon jhonatan jimena joaquin joel jonathan jorge jose josefina josue juan juana julia
    julian juliana julio justo karen karina katherine kevin lidia liliana lizbeth lorena lourdes
    lucas lucia luciano lucio luis luisa luz magaly manuel manuela marco marcos margarita maria
    mariano maribel maricela marina mario marisol marleny marta martha martin mateo matias mauricio
    maximo mayra melissa mercedes miguel milagros miriam moises monica nancy natalia nelly nelson
    nicanor nicolas noemi norma octavio olga omar orlando oscar pablo pamela pascual patricia patricio
    paul paula paulina pedro percy pilar rafael ramiro ramon raul rebeca reynaldo ricardo rigoberto
    rita roberto rocio rodolfo rodrigo rogelio rolando romulo rosa rosario ruben ruth sabino samuel
    sandra santiago santos sara saul sebastian segundo sergio silvia simon sofia sonia susana teodoro
    teresa tito tomas ursula valentin valeria vanessa vicente victor victoria vilma violeta virginia
    walter washington wilber wilfredo william wilmer wilson yanet yessica yolanda yuri zenon zoila
        """
    )
)

# Surnames by how common they are in Peru, most common first (an approximate public ranking). The matcher
# turns the rank into a prior weight: the first ones are shared by hundreds of thousands of people.
COMMON_SURNAMES: tuple[str, ...] = tuple(
    _words(
        """
    quispe flores sanchez rodriguez garcia huaman mamani rojas chavez diaz ramos lopez torres
    vasquez mendoza gonzales perez castillo ramirez gutierrez espinoza vargas cruz condori
    fernandez silva salazar gomez hernandez romero reyes ruiz herrera martinez morales alvarez
    medina castro aguilar jimenez cardenas ortiz rivera ccahuana ticona apaza choque coaquira
    vilca huamani cordova soto nunez ramos leon paredes palomino cabrera mendez navarro campos
    ponce villanueva aguirre zapata miranda cabello benites tapia farfan rios julca cusi
    palacios guzman delgado ventura carrasco pinedo arias yupanqui ayala cahuana carhuamaca
    gamarra valdivia ortega bautista toledo luna vega villegas alarcon poma sulca llanos
    calderon cardozo avila lozano santos molina guerrero neyra
        """
    )
)
_SURNAME_RANK = {name: rank for rank, name in enumerate(dict.fromkeys(COMMON_SURNAMES))}


def is_given_name(folded: str) -> bool:
    """Return whether a folded word is a common given name ("juan", "maria", "wilber")."""
    return folded in GIVEN_NAMES


def surname_rank(folded: str) -> int | None:
    """Return how common a folded surname is (0 for the most common), or None if it is not among the common ones."""
    return _SURNAME_RANK.get(folded)
