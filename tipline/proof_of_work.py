"""An optional proof of work for browsers with JavaScript: our own hashcash.

The challenge is the report form's signed, single-use token, so a solution is
worth exactly one report and cannot be computed ahead of the form. The browser
(static/tipline/proof-of-work.js) looks for a decimal counter such that
SHA-256("tipline-pow-v1:<token>:<counter>") starts with `TIPLINE_POW_DIFFICULTY_BITS`
zero bits, while the person writes. A report that carries a valid solution draws
from its own lane of the new-tip bucket (see tipline.abuse.admit_new_tip); one without a
solution, or with a wrong one, is treated exactly like a report from a browser
without JavaScript, which always works.

Why not the `altcha` package: it would add a dependency and a vendored web
component with its own interface, for what is a dozen lines here, and its
challenges would have to be bound to our token anyway.
"""

from __future__ import annotations

import hashlib

from django.conf import settings

CHALLENGE_PREFIX = "tipline-pow-v1"
# A counter longer than this is not something our script produces; refuse to hash it.
MAX_SOLUTION_DIGITS = 20


def difficulty_bits() -> int:
    """Return the configured difficulty; 0 means the proof of work is switched off."""
    return max(0, settings.TIPLINE_POW_DIFFICULTY_BITS)


def challenge_for(token: str) -> str:
    """Return the text a solution is appended to, bound to one form token."""
    return f"{CHALLENGE_PREFIX}:{token}:"


def leading_zero_bits(digest: bytes) -> int:
    """Return how many zero bits `digest` starts with."""
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def _digest(token: str, solution: str) -> bytes:
    return hashlib.sha256((challenge_for(token) + solution).encode("ascii")).digest()


def solution_valid(*, token: str, solution: str | None) -> bool:
    """Return whether `solution` proves the configured work for `token`.

    False whenever the proof of work is switched off: a disabled check must not
    let anyone skip the bucket.
    """
    bits = difficulty_bits()
    if not bits or not token or not solution:
        return False
    if len(solution) > MAX_SOLUTION_DIGITS or not (solution.isascii() and solution.isdigit()):
        return False
    try:
        return leading_zero_bits(_digest(token, solution)) >= bits
    except UnicodeEncodeError:
        return False


def solve(token: str, *, bits: int) -> str:
    """Return the smallest counter that proves `bits` of work for `token` (for tests and load tools)."""
    counter = 0
    while leading_zero_bits(_digest(token, str(counter))) < bits:
        counter += 1
    return str(counter)
