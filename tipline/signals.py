"""Signals the public side sends, so the staff side can react without the public side importing it."""

from django.dispatch import Signal

# Sent inside the submitting transaction with `tip`, its `data_key` and the report's `text` (both in memory
# only, as they are while the tip is sealed): a receiver that fails rolls the tip back. A receiver keeps
# neither; whatever it stores of the text it seals under the data key (linking's machine-found entities).
tip_submitted = Signal()

# Sent after a whistleblower's reply is stored, with `tip`, its `data_key` and the reply's `text` (the same terms).
whistleblower_replied = Signal()
