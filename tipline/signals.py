"""Signals the public side sends, so the staff side can react without the public side importing it."""

from django.dispatch import Signal

# Sent inside the submitting transaction with `tip`: a receiver that fails rolls the tip back.
tip_submitted = Signal()

# Sent after a whistleblower's reply is stored, with `tip`.
whistleblower_replied = Signal()
