"""Signals the linking app sends when pseudonyms come and go, so the managers' counts follow without a recount.

Every row is `(pseudonym, kind, facility_id)`: the keyed pseudonym (bytes), the entity
kind, and the facility of the tip that names it. Never the value, never the tip: the
receivers keep numbers per pseudonym only (trends/receivers.py).
"""

from django.dispatch import Signal

# Sent inside the writing transaction with `rows: list[tuple[bytes, str, int]]`, the mentions that just got a
# pseudonym: one row per (tip, pseudonym), as a tip never names one pseudonym twice. A receiver that fails
# rolls the write back. Send all the rows of a transaction at once where possible: the receivers lock per
# pseudonym in a stable order, and one call keeps that order.
mentions_indexed = Signal()

# Sent inside the writing transaction with `rows` of the same shape, for mentions deleted or whose pseudonym
# is being replaced (send this for the old pseudonyms, then `mentions_indexed` for the new ones).
mentions_unindexed = Signal()

# Sent (no rows) inside the transaction of an index key rotation, after it rewrote every pseudonym of a
# scope: the receivers rebuild their counts from the mentions.
pseudonyms_rekeyed = Signal()
