"""How much two tips' shared entities say that they are about the same matter: a score and evidence in words.

Pure: what the automatic step (linking.automatic) found blind, as evidence codes with a
strength each, becomes one score by a noisy-or (each piece of evidence alone could be
a coincidence; several together rarely are). A score of LINK_THRESHOLD or more is a
link; the codes become the words the case page shows ("same phone number", "same rare
surname and first name, different spelling"). No value ever reaches this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# A pair scoring this or more is linked; a two-step hint needs both steps at STRONG or more.
LINK_THRESHOLD = 0.6
STRONG = 0.8

# What sharing an entity of a kind (the same keyed pseudonym) says on its own. A phone, a plate or a DNI
# is one thing in the world; a company name is nearly so; a place inside one prison is shared by many
# unrelated reports, and a time ("at night") by more.
EXACT_STRENGTH = {
    "phone": 0.95,
    "vehicle": 0.95,
    "dni": 0.98,
    "imei": 0.98,
    "company": 0.85,
    "place": 0.45,
    "time": 0.1,
}
EXACT_CODE = {
    "phone": "same_phone",
    "vehicle": "same_plate",
    "dni": "same_dni",
    "imei": "same_imei",
    "company": "same_company",
    "place": "same_place",
    "time": "same_time",
    "person": "same_full_name",
}
# A place where many unrelated reports happen says less than a particular wall, tower, cell or workshop:
# the pavilion people live in, its yard, and the gates and entrances every smuggled thing passes through.
PLACE_NOUNS_WEAK = frozenset(
    {"pabellon", "patio", "piso", "modulo", "puerta", "garita", "ingreso", "rancho", "cocina", "zona", "sector"}
    | {"ambiente", "bloque", "area"}
)
WEAK_PLACE_STRENGTH = 0.3
# A name that rests on one word (a nickname, or a surname without the first name) seen at another prison
# is often another person ("el Chato", "el técnico Llanos" are everywhere).
LONE_NAME_CODES = frozenset({"same_rare_surname", "same_common_surname", "same_nickname"})
NAME_CONFIRMING_CODES = frozenset({"same_first_name", "first_name_initial", "same_surnames", "same_full_name"})
LONE_NAME_ELSEWHERE_FACTOR = 0.65
# Clear metadata only ever adds to entity evidence that is worth something on its own, never links alone.
METADATA_NEEDS = 0.45
SAME_FACILITY_PERSON_BONUS = 0.1
SAME_CHANNEL_STRENGTH = 0.3

EVIDENCE_LABELS: dict[str, Promise] = {
    "same_phone": _("same phone number"),
    "same_plate": _("same vehicle plate"),
    "same_dni": _("same DNI"),
    "same_imei": _("same phone IMEI"),
    "same_company": _("same company"),
    "same_place": _("same place in the prison"),
    "same_time": _("same time of day or week"),
    "same_channel": _("same way in"),
    "same_facility": _("same prison"),
    "same_full_name": _("same full name"),
    "same_surnames": _("same surnames"),
    "same_rare_surname": _("same rare surname"),
    "same_common_surname": _("same common surname"),
    "same_first_name": _("same first name"),
    "first_name_initial": _("first name matches an initial"),
    "different_spelling": _("different spelling"),
    "one_letter_apart": _("one letter apart"),
    "dropped_second_surname": _("one surname left out"),
    "same_nickname": _("same nickname"),
    "confirmed": _("confirmed by an analyst"),
    "two_steps": _("through another report"),
}


def combine(strengths: Iterable[float]) -> float:
    """Return the noisy-or of independent pieces of evidence: 1 - product(1 - s)."""
    remaining = 1.0
    for strength in strengths:
        remaining *= 1.0 - max(0.0, min(1.0, strength))
    return 1.0 - remaining


@dataclass
class PairEvidence:
    """What two tips share, gathered piece by piece; `score` and `codes` summarise it."""

    pieces: list[tuple[float, tuple[str, ...]]] = field(default_factory=list)

    def add(self, strength: float, *codes: str) -> None:
        self.pieces.append((strength, codes))

    def weaken_lone_names(self, factor: float) -> None:
        """Scale the pieces that rest on one word of a name (a nickname, a surname without the first name)."""
        self.pieces = [
            (
                strength * factor
                if LONE_NAME_CODES.intersection(codes) and not NAME_CONFIRMING_CODES.intersection(codes)
                else strength,
                codes,
            )
            for strength, codes in self.pieces
        ]

    def _metadata_counts(self) -> bool:
        # With a tolerance: 1 - (1 - 0.45) is 0.44999999999999996 in floating point.
        return combine(strength for strength, _codes in self.pieces) >= METADATA_NEEDS - 1e-9

    def score(self, *, same_channel: bool) -> float:
        strengths = [strength for strength, _codes in self.pieces]
        if self._metadata_counts() and same_channel:
            strengths.append(SAME_CHANNEL_STRENGTH)
        return round(combine(strengths), 4)  # rounded: a score at the threshold is at it, not below

    def codes(self, *, same_facility: bool, same_channel: bool) -> list[str]:
        ordered = sorted(self.pieces, key=lambda piece: -piece[0])
        codes = list(dict.fromkeys(code for _strength, piece_codes in ordered for code in piece_codes))
        if self._metadata_counts() and same_channel:
            codes.append("same_channel")
        if same_facility:
            codes.append("same_facility")
        return codes


def evidence_in_words(codes: Iterable[str]) -> str:
    """Return the evidence codes of a link as one phrase, in the language of the request."""
    return ", ".join(str(EVIDENCE_LABELS[code]) for code in codes if code in EVIDENCE_LABELS)
