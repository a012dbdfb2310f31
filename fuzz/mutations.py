"""Mutations of stored or transmitted bytes: what an attacker, a broken disk or a bad proxy does to them.

`mutated(original)` draws a byte string that differs from `original` by bit flips,
truncation, extension, overwritten or duplicated spans, a changed version byte, or a
splice with another valid value. Parsers fed these must reject every one cleanly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

KINDS = ("empty", "bit flip", "truncate", "extend", "overwrite", "version byte", "duplicate", "swap", "splice")


@st.composite
def _bit_flips(draw: st.DrawFn, original: bytes) -> bytes:
    bits = draw(st.lists(st.integers(0, len(original) * 8 - 1), min_size=1, max_size=6, unique=True))
    out = bytearray(original)
    for bit in bits:
        out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


@st.composite
def _truncation(draw: st.DrawFn, original: bytes) -> bytes:
    keep = draw(st.integers(0, len(original) - 1))
    # Cut the end, or the start (a stream read from the wrong offset).
    return original[:keep] if draw(st.booleans()) else original[len(original) - keep :]


@st.composite
def _extension(draw: st.DrawFn, original: bytes) -> bytes:
    extra = draw(st.binary(min_size=1, max_size=64))
    return original + extra if draw(st.booleans()) else extra + original


@st.composite
def _overwrite(draw: st.DrawFn, original: bytes) -> bytes:
    start = draw(st.integers(0, len(original) - 1))
    patch = draw(st.binary(min_size=1, max_size=min(32, len(original) - start)))
    return original[:start] + patch + original[start + len(patch) :]


@st.composite
def _version_byte(draw: st.DrawFn, original: bytes) -> bytes:
    return bytes([draw(st.integers(0, 255).filter(lambda b: b != original[0]))]) + original[1:]


@st.composite
def _duplicate(draw: st.DrawFn, original: bytes) -> bytes:
    start = draw(st.integers(0, len(original) - 1))
    end = draw(st.integers(start + 1, len(original)))
    return original[:end] + original[start:end] + original[end:]


@st.composite
def _swap(draw: st.DrawFn, original: bytes) -> bytes:
    # Two spans exchanged: reordered chunks of a stream, or fields of a record.
    cut = draw(st.integers(1, len(original) - 1))
    return original[cut:] + original[:cut]


@st.composite
def _splice(draw: st.DrawFn, original: bytes, donors: Sequence[bytes]) -> bytes:
    donor = draw(st.sampled_from(donors))
    head = draw(st.integers(0, len(original)))
    tail = draw(st.integers(0, len(donor)))
    spliced = original[:head] + donor[tail:]
    # The whole donor is another valid value, not a mutation: it may rightly open.
    return spliced if spliced != donor else spliced + b"\x00"


def mutated(original: bytes, *, donors: Sequence[bytes] = ()) -> st.SearchStrategy[bytes]:
    """Return a strategy of byte strings that all differ from `original`.

    `donors` are other valid values of the same format (another record's ciphertext, another
    stream): splicing one into `original` is the mix-and-match an attacker with database
    access would try.
    """
    options: list[st.SearchStrategy[bytes]] = [st.just(b""), _extension(original)]
    if original:
        options += [_bit_flips(original), _truncation(original), _overwrite(original), _version_byte(original)]
        options += [_duplicate(original)]
    if len(original) > 1:
        options.append(_swap(original))
    usable_donors = [donor for donor in donors if donor != original]
    if usable_donors:
        options.append(_splice(original, usable_donors))
    return st.one_of(options).filter(lambda candidate: candidate != original)


@st.composite
def chunked(draw: st.DrawFn, data: bytes, max_pieces: int = 12) -> list[bytes]:
    """Split `data` into pieces at drawn offsets (how a network or a file reader delivers it)."""
    if not data:
        return [b""] if draw(st.booleans()) else []
    cuts = sorted(draw(st.lists(st.integers(0, len(data)), max_size=max_pieces - 1)))
    edges = [0, *cuts, len(data)]
    return [data[start:end] for start, end in zip(edges, edges[1:], strict=False)]


@dataclass(frozen=True)
class Recipe:
    """A mutation drawn before the value it applies to is known (a token the server has not issued yet).

    Hypothesis needs what a test draws not to depend on the outside world, so the
    positions are fractions of the length, and the recipe is applied afterwards.
    """

    kind: str
    where: float
    span: float
    payload: bytes

    def apply(self, original: bytes) -> bytes:
        """Return `original` changed by this recipe; never equal to it."""
        size = len(original)
        at = min(int(self.where * size), max(size - 1, 0))
        length = max(1, int(self.span * (size - at)))
        if self.kind == "flip" and size:
            changed = original[:at] + bytes([original[at] ^ (self.payload[0] or 1)]) + original[at + 1 :]
        elif self.kind == "truncate":
            changed = original[:at]
        elif self.kind == "overwrite" and size:
            changed = original[:at] + self.payload[:length] + original[at + length :]
        elif self.kind == "swap" and size > 1:
            cut = max(1, at)
            changed = original[cut:] + original[:cut]
        else:
            changed = original + self.payload
        return changed if changed != original else original + self.payload


def recipes() -> st.SearchStrategy[Recipe]:
    """Mutation recipes: flip a byte, cut the end, overwrite or rotate a span, or append bytes."""
    return st.builds(
        Recipe,
        st.sampled_from(["flip", "truncate", "overwrite", "swap", "extend"]),
        st.floats(0, 1, exclude_max=True),
        st.floats(0, 1),
        st.binary(min_size=1, max_size=16),
    )
