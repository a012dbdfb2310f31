"""Signals linking sends, so the managers' counts can follow without linking importing trends.

Each row is (pseudonym, kind, facility id) of one mention: no value, no tip. A tip
never holds the same pseudonym twice, so each row is one more (or one fewer) tip
naming that pseudonym. Sent inside the writing transaction: a receiver that fails
rolls the write back.
"""

from django.dispatch import Signal

# Mentions that just got their pseudonym (recorded by a member, or linked by the automatic step), with `rows`.
mentions_indexed = Signal()

# Mentions that lost their pseudonym (deleted, dismissed, or about to be keyed again), with `rows`.
mentions_unindexed = Signal()

# An index key rotation rewrote every pseudonym of a scope: counts kept by pseudonym must be rebuilt.
pseudonyms_rekeyed = Signal()
