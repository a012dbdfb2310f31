"""The encryption envelope (envelope/primitives.py) under a reviewer's checklist.

Every ciphertext format must round-trip, and every single-bit change,
truncation, extension, reordering, wrong key, wrong associated data or wrong
version byte must be refused with CryptoError (never with wrong plaintext and
never with another exception type).
"""

from __future__ import annotations

import functools
import math
import os
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from envelope import primitives as crypto
from envelope.primitives import CHUNK_BYTES, TAG_BYTES, CryptoError

HEADER_BYTES = 17  # version byte + 16-byte stream nonce
SEALED_CHUNK = CHUNK_BYTES + TAG_BYTES
HPKE_ENC_BYTES = 1088 + 32  # ML-KEM-768 ciphertext + X25519 ephemeral public key
CHEAP = crypto.Argon2Cost(memory_kib=1024, iterations=1)


# --- helpers ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pair() -> crypto.KeyPair:
    return crypto.generate_keypair()


@pytest.fixture(scope="module")
def other_pair() -> crypto.KeyPair:
    return crypto.generate_keypair()


def flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def pieces(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def split_at(data: bytes, points: Iterable[int]) -> list[bytes]:
    cuts = sorted({0, len(data), *(p for p in points if 0 <= p <= len(data))})
    return [data[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


def encrypt_stream(plaintext: bytes, *, key: bytes, aad: bytes, piece: int = 1000) -> bytes:
    enc = crypto.StreamEncryptor(key=key, aad=aad)
    out = bytearray()
    for part in pieces(plaintext, piece):
        out += enc.update(part)
    out += enc.finalize()
    assert enc.plaintext_bytes == len(plaintext)
    return bytes(out)


def decrypt_all(ciphertext_pieces: Iterable[bytes], *, key: bytes, aad: bytes) -> bytes:
    return b"".join(crypto.decrypt_stream(ciphertext_pieces, key=key, aad=aad))


def open_stream(ciphertext: bytes, *, key: bytes, aad: bytes) -> bytes:
    return decrypt_all([ciphertext], key=key, aad=aad)


def expected_stream_len(n: int) -> int:
    return HEADER_BYTES + n + TAG_BYTES * max(1, math.ceil(n / CHUNK_BYTES))


def stream_chunks(ciphertext: bytes) -> tuple[bytes, list[bytes]]:
    """Split a stream ciphertext into its header and sealed chunks."""
    header, body = ciphertext[:HEADER_BYTES], ciphertext[HEADER_BYTES:]
    return header, [body[i : i + SEALED_CHUNK] for i in range(0, len(body), SEALED_CHUNK)]


def accepted_bit_flips(opener: Callable[[bytes], object], blob: bytes, bits: Iterable[int]) -> list[int]:
    """Return the bit positions whose flip `opener` did NOT refuse with CryptoError.

    Any other exception escapes and fails the test: tampering must always surface as CryptoError.
    """
    accepted = []
    for bit in bits:
        try:
            opener(flip(blob, bit))
        except CryptoError:
            continue
        accepted.append(bit)
    return accepted


def assert_stream_rejected(ciphertext: bytes, *, key: bytes, aad: bytes) -> None:
    with pytest.raises(CryptoError):
        decrypt_all([ciphertext], key=key, aad=aad)


# --- key pairs ----------------------------------------------------------------------------


def test_keypair_sizes_versions_and_public_key_of(pair: crypto.KeyPair) -> None:
    assert len(pair.private) == 1 + 64 + 32
    assert len(pair.public) == 1 + 1184 + 32
    assert pair.private[0] == crypto.V_PRIVATE_KEY
    assert pair.public[0] == crypto.V_PUBLIC_KEY
    assert crypto.public_key_of(pair.private) == pair.public
    others = [crypto.generate_keypair() for _ in range(3)]
    for other in others:
        assert crypto.public_key_of(other.private) == other.public
    assert len({p.private for p in [pair, *others]}) == 4
    assert len({p.public for p in [pair, *others]}) == 4


@pytest.mark.parametrize(
    "bad",
    [b"", b"\x01", b"\x02" + b"\x00" * 96, b"\x01" + b"\x00" * 95, b"\x01" + b"\x00" * 97],
    ids=["empty", "version-only", "wrong-version", "short", "long"],
)
def test_public_key_of_rejects_malformed_private_keys(bad: bytes) -> None:
    with pytest.raises(CryptoError):
        crypto.public_key_of(bad)


def test_seal_refuses_malformed_public_keys(pair: crypto.KeyPair) -> None:
    for bad in (b"", pair.public[:-1], pair.public + b"\x00", bytes([2]) + pair.public[1:], pair.private):
        with pytest.raises(CryptoError):
            crypto.seal(b"x", public_key=bad, info=b"info")


def test_fingerprint_is_stable_and_distinguishes_keys(pair: crypto.KeyPair, other_pair: crypto.KeyPair) -> None:
    fp = crypto.fingerprint(pair.public)
    assert fp == crypto.fingerprint(pair.public)
    assert fp != crypto.fingerprint(other_pair.public)
    assert len(fp.split(" ")) == 8
    assert all(len(group) == 4 for group in fp.split(" "))


# --- HPKE seal / unseal -----------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 32, 1000])
def test_seal_round_trip_and_length(pair: crypto.KeyPair, size: int) -> None:
    plaintext = os.urandom(size)
    sealed = crypto.seal(plaintext, public_key=pair.public, info=b"tip:1|data key|unit")
    assert sealed[0] == crypto.V_SEALED
    assert len(sealed) == 1 + HPKE_ENC_BYTES + size + TAG_BYTES
    assert crypto.unseal(sealed, private_key=pair.private, info=b"tip:1|data key|unit") == plaintext


def test_seal_is_randomised(pair: crypto.KeyPair) -> None:
    a = crypto.seal(b"same", public_key=pair.public, info=b"i")
    b = crypto.seal(b"same", public_key=pair.public, info=b"i")
    assert a != b


def test_unseal_rejects_wrong_key_and_swapped_info(pair: crypto.KeyPair, other_pair: crypto.KeyPair) -> None:
    sealed = crypto.seal(b"data key", public_key=pair.public, info=b"tip:1|data key|unit")
    with pytest.raises(CryptoError):
        crypto.unseal(sealed, private_key=other_pair.private, info=b"tip:1|data key|unit")
    for info in (b"tip:2|data key|unit", b"tip:1|data key|escrow", b"", b"tip:1|data key|unit\x00"):
        with pytest.raises(CryptoError):
            crypto.unseal(sealed, private_key=pair.private, info=info)
    with pytest.raises(CryptoError):
        crypto.unseal(sealed, private_key=pair.public, info=b"tip:1|data key|unit")


def test_unseal_rejects_other_version_bytes(pair: crypto.KeyPair) -> None:
    sealed = crypto.seal(b"k", public_key=pair.public, info=b"i")
    for version in range(256):
        if version == crypto.V_SEALED:
            continue
        with pytest.raises(CryptoError):
            crypto.unseal(bytes([version]) + sealed[1:], private_key=pair.private, info=b"i")


def test_unseal_rejects_every_single_bit_flip(pair: crypto.KeyPair) -> None:
    sealed = crypto.seal(b"8 bytes!", public_key=pair.public, info=b"i")
    assert len(sealed) * 8 == 9160
    opener = functools.partial(crypto.unseal, private_key=pair.private, info=b"i")
    assert accepted_bit_flips(opener, sealed, range(len(sealed) * 8)) == []


def test_unseal_rejects_every_truncation_and_extension(pair: crypto.KeyPair) -> None:
    sealed = crypto.seal(b"8 bytes!", public_key=pair.public, info=b"i")
    for length in range(len(sealed)):
        with pytest.raises(CryptoError):
            crypto.unseal(sealed[:length], private_key=pair.private, info=b"i")
    for extra in (b"\x00", os.urandom(16)):
        with pytest.raises(CryptoError):
            crypto.unseal(sealed + extra, private_key=pair.private, info=b"i")


# --- symmetric records -----------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 4096])
def test_encrypt_round_trip_and_length(size: int) -> None:
    key = crypto.new_key()
    plaintext = os.urandom(size)
    record = crypto.encrypt(plaintext, key=key, aad=b"tip:1|description")
    assert record[0] == crypto.V_AEAD
    assert len(record) == 1 + crypto.NONCE_BYTES + size + TAG_BYTES
    assert crypto.decrypt(record, key=key, aad=b"tip:1|description") == plaintext


def test_encrypt_text_round_trip_unicode() -> None:
    key = crypto.new_key()
    text = "Un técnico del pabellón 3 — ¿cuándo? 🕵"
    assert crypto.decrypt_text(crypto.encrypt_text(text, key=key, aad=b"a"), key=key, aad=b"a") == text


def test_encrypt_is_randomised_and_keys_are_fresh() -> None:
    key = crypto.new_key()
    assert len(key) == crypto.KEY_BYTES
    assert crypto.new_key() != key
    assert crypto.encrypt(b"same", key=key, aad=b"a") != crypto.encrypt(b"same", key=key, aad=b"a")


def test_decrypt_rejects_wrong_key_and_swapped_aad() -> None:
    key = crypto.new_key()
    record = crypto.encrypt(b"secret", key=key, aad=b"tip:1|description")
    with pytest.raises(CryptoError):
        crypto.decrypt(record, key=crypto.new_key(), aad=b"tip:1|description")
    for aad in (b"tip:1|contact", b"tip:2|description", b"", b"tip:1|description "):
        with pytest.raises(CryptoError):
            crypto.decrypt(record, key=key, aad=aad)
    for bad_key in (b"", key[:16], key + b"\x00"):
        with pytest.raises(CryptoError):
            crypto.decrypt(record, key=bad_key, aad=b"tip:1|description")


def test_decrypt_rejects_other_version_bytes() -> None:
    key = crypto.new_key()
    record = crypto.encrypt(b"secret", key=key, aad=b"a")
    for version in range(256):
        if version != crypto.V_AEAD:
            with pytest.raises(CryptoError):
                crypto.decrypt(bytes([version]) + record[1:], key=key, aad=b"a")


@pytest.mark.parametrize("size", [0, 1, 32])
def test_decrypt_rejects_every_single_bit_flip(size: int) -> None:
    key = crypto.new_key()
    record = crypto.encrypt(os.urandom(size), key=key, aad=b"a")
    opener = functools.partial(crypto.decrypt, key=key, aad=b"a")
    assert accepted_bit_flips(opener, record, range(len(record) * 8)) == []


def test_decrypt_rejects_sampled_bit_flips_in_a_long_record() -> None:
    key = crypto.new_key()
    record = crypto.encrypt(os.urandom(100_000), key=key, aad=b"a")
    rng = random.Random(1234)
    bits = list(range(8 * 30)) + list(range(len(record) * 8 - 8 * 16, len(record) * 8))
    bits += rng.sample(range(len(record) * 8), 300)
    assert accepted_bit_flips(functools.partial(crypto.decrypt, key=key, aad=b"a"), record, bits) == []


def test_decrypt_rejects_every_truncation_and_extension() -> None:
    key = crypto.new_key()
    record = crypto.encrypt(os.urandom(40), key=key, aad=b"a")
    for length in range(len(record)):
        with pytest.raises(CryptoError):
            crypto.decrypt(record[:length], key=key, aad=b"a")
    with pytest.raises(CryptoError):
        crypto.decrypt(record + b"\x00", key=key, aad=b"a")


# --- streaming attachments ---------------------------------------------------------------------

STREAM_SIZES = [0, 1, 100, CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 2 * CHUNK_BYTES, 5 * 2**20 + 123]


@pytest.mark.parametrize("size", STREAM_SIZES)
def test_stream_round_trip_in_odd_pieces(size: int) -> None:
    key, aad = crypto.new_key(), b"tipline attachment stream|abc"
    plaintext = os.urandom(size)
    piece = 1 if size <= 100 else 1000
    ciphertext = encrypt_stream(plaintext, key=key, aad=aad, piece=piece)
    assert ciphertext[0] == crypto.V_STREAM
    assert len(ciphertext) == expected_stream_len(size)
    # Whole, in odd pieces, and byte by byte for the small ones.
    assert decrypt_all([ciphertext], key=key, aad=aad) == plaintext
    assert decrypt_all(pieces(ciphertext, 4097), key=key, aad=aad) == plaintext
    assert decrypt_all(pieces(ciphertext, 7), key=key, aad=aad) == plaintext
    if size <= CHUNK_BYTES + 1:
        assert decrypt_all(pieces(ciphertext, 1), key=key, aad=aad) == plaintext


@pytest.mark.parametrize("size", [0, 1, CHUNK_BYTES, CHUNK_BYTES + 1, 3 * CHUNK_BYTES + 5])
def test_stream_single_update_and_empty_updates(size: int) -> None:
    key, aad = crypto.new_key(), b"a"
    plaintext = os.urandom(size)
    enc = crypto.StreamEncryptor(key=key, aad=aad)
    out = enc.update(b"") + enc.update(plaintext) + enc.update(b"") + enc.finalize()
    assert len(out) == expected_stream_len(size)
    assert decrypt_all([out], key=key, aad=aad) == plaintext
    # finalize() without any update() is an empty file.
    empty = crypto.StreamEncryptor(key=key, aad=aad).finalize()
    assert len(empty) == HEADER_BYTES + TAG_BYTES
    assert decrypt_all([empty], key=key, aad=aad) == b""


def test_stream_yields_at_most_one_chunk_at_a_time() -> None:
    key, aad = crypto.new_key(), b"a"
    plaintext = os.urandom(3 * CHUNK_BYTES + 10)
    parts = list(crypto.decrypt_stream(pieces(encrypt_stream(plaintext, key=key, aad=aad), 5000), key=key, aad=aad))
    assert [len(p) for p in parts] == [CHUNK_BYTES, CHUNK_BYTES, CHUNK_BYTES, 10]
    enc = crypto.StreamEncryptor(key=key, aad=aad)
    # The encryptor holds back the last chunk until it knows it is the last one.
    assert len(enc.update(os.urandom(CHUNK_BYTES))) == HEADER_BYTES
    assert len(enc.update(b"x")) == SEALED_CHUNK


def test_stream_encryptor_cannot_be_reused_after_finalize() -> None:
    enc = crypto.StreamEncryptor(key=crypto.new_key(), aad=b"a")
    enc.update(b"data")
    enc.finalize()
    with pytest.raises(CryptoError):
        enc.update(b"more")
    with pytest.raises(CryptoError):
        enc.finalize()


def test_stream_is_randomised_per_file() -> None:
    key = crypto.new_key()
    a = encrypt_stream(b"same", key=key, aad=b"a")
    b = encrypt_stream(b"same", key=key, aad=b"a")
    assert a[:HEADER_BYTES] != b[:HEADER_BYTES]
    assert a[HEADER_BYTES:] != b[HEADER_BYTES:]


def test_stream_rejects_wrong_key_and_swapped_aad() -> None:
    key = crypto.new_key()
    for size in (0, 10, CHUNK_BYTES + 10):
        ciphertext = encrypt_stream(os.urandom(size), key=key, aad=b"tipline attachment stream|aaaa")
        assert_stream_rejected(ciphertext, key=crypto.new_key(), aad=b"tipline attachment stream|aaaa")
        assert_stream_rejected(ciphertext, key=key, aad=b"tipline attachment stream|bbbb")
        assert_stream_rejected(ciphertext, key=key, aad=b"")


def test_stream_rejects_other_version_bytes() -> None:
    key = crypto.new_key()
    ciphertext = encrypt_stream(b"hello", key=key, aad=b"a")
    for version in range(256):
        if version != crypto.V_STREAM:
            assert_stream_rejected(bytes([version]) + ciphertext[1:], key=key, aad=b"a")


@pytest.mark.parametrize("size", [0, 1, 64])
def test_stream_rejects_every_single_bit_flip_in_a_short_stream(size: int) -> None:
    key = crypto.new_key()
    ciphertext = encrypt_stream(os.urandom(size), key=key, aad=b"a")
    opener = functools.partial(open_stream, key=key, aad=b"a")
    assert accepted_bit_flips(opener, ciphertext, range(len(ciphertext) * 8)) == []


def test_stream_rejects_sampled_bit_flips_in_a_multi_chunk_stream() -> None:
    key = crypto.new_key()
    ciphertext = encrypt_stream(os.urandom(2 * CHUNK_BYTES + 300), key=key, aad=b"a")
    total_bits = len(ciphertext) * 8
    # The header, and the bytes around every chunk boundary (tags and first bytes), in full...
    bits = set(range(HEADER_BYTES * 8))
    for boundary in range(HEADER_BYTES, len(ciphertext) + 1, SEALED_CHUNK):
        bits.update(range(max(0, (boundary - 24) * 8), min(total_bits, (boundary + 8) * 8)))
    bits.update(range(total_bits - TAG_BYTES * 8, total_bits))
    # ...and a random sample of the rest.
    bits.update(random.Random(99).sample(range(total_bits), 200))
    opener = functools.partial(open_stream, key=key, aad=b"a")
    assert accepted_bit_flips(opener, ciphertext, sorted(bits)) == []


def test_stream_rejects_every_truncation_of_a_short_stream() -> None:
    key = crypto.new_key()
    ciphertext = encrypt_stream(os.urandom(50), key=key, aad=b"a")
    for length in range(len(ciphertext)):
        assert_stream_rejected(ciphertext[:length], key=key, aad=b"a")


@pytest.mark.parametrize("size", [CHUNK_BYTES, CHUNK_BYTES + 1, 2 * CHUNK_BYTES, 3 * CHUNK_BYTES + 7])
def test_stream_rejects_truncation_at_and_around_chunk_boundaries(size: int) -> None:
    key = crypto.new_key()
    ciphertext = encrypt_stream(os.urandom(size), key=key, aad=b"a")
    lengths = {0, 1, HEADER_BYTES - 1, HEADER_BYTES, HEADER_BYTES + 1, len(ciphertext) - 1}
    for boundary in range(HEADER_BYTES, len(ciphertext), SEALED_CHUNK):
        lengths.update({boundary - 1, boundary, boundary + 1, boundary + TAG_BYTES, boundary + TAG_BYTES - 1})
    for length in sorted(n for n in lengths if 0 <= n < len(ciphertext)):
        assert_stream_rejected(ciphertext[:length], key=key, aad=b"a")


@pytest.mark.parametrize("size", [0, 5, CHUNK_BYTES, CHUNK_BYTES + 1])
def test_stream_rejects_trailing_data(size: int) -> None:
    key = crypto.new_key()
    ciphertext = encrypt_stream(os.urandom(size), key=key, aad=b"a")
    for extra in (b"\x00", os.urandom(TAG_BYTES), os.urandom(TAG_BYTES + 1)):
        assert_stream_rejected(ciphertext + extra, key=key, aad=b"a")


def test_stream_rejects_reordered_duplicated_dropped_and_foreign_chunks() -> None:
    key = crypto.new_key()
    plaintext = os.urandom(3 * CHUNK_BYTES + 10)
    ciphertext = encrypt_stream(plaintext, key=key, aad=b"a")
    header, chunks = stream_chunks(ciphertext)
    assert [len(c) for c in chunks] == [SEALED_CHUNK] * 3 + [10 + TAG_BYTES]
    assert decrypt_all([header, *chunks], key=key, aad=b"a") == plaintext
    c0, c1, c2, last = chunks
    variants = {
        "swap 0 and 1": [c1, c0, c2, last],
        "swap 1 and 2": [c0, c2, c1, last],
        "duplicate 0": [c0, c0, c1, c2, last],
        "duplicate 1 in place of 2": [c0, c1, c1, last],
        "drop 1": [c0, c2, last],
        "drop last": [c0, c1, c2],
        "last moved first": [last, c0, c1, c2],
        "duplicate last": [c0, c1, c2, last, last],
    }
    accepted = []
    for name, body in variants.items():
        try:
            decrypt_all([header, *body], key=key, aad=b"a")
        except CryptoError:
            continue
        accepted.append(name)
    assert accepted == []
    # A chunk from another file under the same key and position does not fit either.
    other_header, other_chunks = stream_chunks(encrypt_stream(os.urandom(3 * CHUNK_BYTES + 10), key=key, aad=b"a"))
    assert_stream_rejected(header + c0 + other_chunks[1] + c2 + last, key=key, aad=b"a")
    assert_stream_rejected(other_header + b"".join(chunks), key=key, aad=b"a")


def test_stream_full_final_chunk_then_empty_chunk_is_rejected() -> None:
    """A forged empty final chunk after a full one (age's rule) must not pass, even with the right key."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    key = crypto.new_key()
    header = crypto.StreamEncryptor(key=key, aad=b"a")._header
    payload_key = crypto._hkdf(key, salt=header[1:], info=b"tipline stream v1|a")
    aead = ChaCha20Poly1305(payload_key)
    full = aead.encrypt(crypto._stream_nonce(0, False), os.urandom(CHUNK_BYTES), None)
    empty_last = aead.encrypt(crypto._stream_nonce(1, True), b"", None)
    assert_stream_rejected(header + full + empty_last, key=key, aad=b"a")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    size=st.integers(min_value=0, max_value=3 * CHUNK_BYTES + 100)
    | st.sampled_from([CHUNK_BYTES - 1, CHUNK_BYTES, CHUNK_BYTES + 1, 2 * CHUNK_BYTES]),
    data=st.data(),
)
def test_stream_round_trip_property(size: int, data: st.DataObject) -> None:
    key = crypto.new_key()
    aad = data.draw(st.binary(max_size=40), label="aad")
    plaintext = random.Random(size).randbytes(size)
    enc_points = data.draw(st.lists(st.integers(0, size), max_size=12), label="encrypt split points")
    enc = crypto.StreamEncryptor(key=key, aad=aad)
    ciphertext = b"".join(enc.update(part) for part in split_at(plaintext, enc_points)) + enc.finalize()
    assert len(ciphertext) == expected_stream_len(size)
    dec_points = data.draw(st.lists(st.integers(0, len(ciphertext)), max_size=12), label="decrypt split points")
    assert decrypt_all(split_at(ciphertext, dec_points), key=key, aad=aad) == plaintext


# --- receipts ---------------------------------------------------------------------------------------


def test_generate_receipt_is_sixteen_ascii_digits() -> None:
    receipts = {crypto.generate_receipt() for _ in range(200)}
    assert len(receipts) == 200
    for receipt in receipts:
        assert len(receipt) == 16
        assert receipt.isascii() and receipt.isdigit()
    # All ten digits turn up (the alphabet is not truncated).
    assert set("".join(receipts)) == set("0123456789")


def test_format_receipt_groups_in_fours() -> None:
    assert crypto.format_receipt("1234567890123456") == "1234 5678 9012 3456"
    for _ in range(50):
        receipt = crypto.generate_receipt()
        formatted = crypto.format_receipt(receipt)
        assert len(formatted) == 19
        assert [len(g) for g in formatted.split(" ")] == [4, 4, 4, 4]
        assert crypto.normalise_receipt(formatted) == receipt


@pytest.mark.parametrize(
    "typed",
    [
        "1234567890123456",
        "1234 5678 9012 3456",
        "1234-5678-9012-3456",
        "  1234 5678-9012\t3456\n",
        "12 34 56 78 90 12 34 56",
        "1234\u00a05678\u00a09012\u00a03456",
    ],
)
def test_normalise_receipt_accepts_spaces_and_dashes(typed: str) -> None:
    assert crypto.normalise_receipt(typed) == "1234567890123456"


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "   ",
        "123456789012345",
        "12345678901234567",
        "1234 5678 9012 345",
        "1234 5678 9012 3456 7",
        "1234 5678 9012 345a",
        "abcd efgh ijkl mnop",
        "0x34567890123456",
        "+234567890123456",
        "١٢٣٤٥٦٧٨٩٠١٢٣٤٥٦",  # Arabic-Indic digits
        "۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶",  # Extended Arabic-Indic (Persian) digits
        "１２３４５６７８９０１２３４５６",  # fullwidth digits
        "१२३४५६७८९०१२३४५६",  # Devanagari digits
        "123456789012345\u00b9",  # superscript one
        "123456789012345\u0663",  # one Arabic-Indic digit among ASCII ones
    ],
)
def test_normalise_receipt_rejects_wrong_lengths_letters_and_non_ascii_digits(typed: str) -> None:
    assert crypto.normalise_receipt(typed) is None


def test_derive_receipt_keys_is_deterministic_and_separates_inputs() -> None:
    salt, pepper = b"site salt", b"pepper outside the database"
    keys = crypto.derive_receipt_keys("1234567890123456", salt=salt, pepper=pepper, cost=CHEAP)
    assert keys == crypto.derive_receipt_keys("1234567890123456", salt=salt, pepper=pepper, cost=CHEAP)
    assert len(keys.lookup_id) == 32 and len(keys.wrap_key) == 32
    assert keys.lookup_id != keys.wrap_key
    variants = [
        crypto.derive_receipt_keys("1234567890123457", salt=salt, pepper=pepper, cost=CHEAP),
        crypto.derive_receipt_keys("1234567890123456", salt=salt, pepper=b"another pepper", cost=CHEAP),
        crypto.derive_receipt_keys("1234567890123456", salt=b"other salt", pepper=pepper, cost=CHEAP),
        crypto.derive_receipt_keys(
            "1234567890123456", salt=salt, pepper=pepper, cost=crypto.Argon2Cost(memory_kib=2048, iterations=1)
        ),
    ]
    for other in variants:
        assert other.lookup_id != keys.lookup_id
        assert other.wrap_key != keys.wrap_key
    # All derived values are distinct from each other.
    everything = [keys.lookup_id, keys.wrap_key] + [v.lookup_id for v in variants] + [v.wrap_key for v in variants]
    assert len(set(everything)) == len(everything)


def test_derive_password_key_is_deterministic_and_salted() -> None:
    salt = crypto.new_salt()
    assert len(salt) == 16 and crypto.new_salt() != salt
    key = crypto.derive_password_key("pässword", salt=salt, cost=CHEAP)
    assert len(key) == 32
    assert key == crypto.derive_password_key("pässword", salt=salt, cost=CHEAP)
    assert key != crypto.derive_password_key("password", salt=salt, cost=CHEAP)
    assert key != crypto.derive_password_key("pässword", salt=crypto.new_salt(), cost=CHEAP)


def test_keyed_digest_links_equal_values_only() -> None:
    key = crypto.new_key()
    assert crypto.keyed_digest(key, b"DNI 12345678") == crypto.keyed_digest(key, b"DNI 12345678")
    assert crypto.keyed_digest(key, b"DNI 12345678") != crypto.keyed_digest(key, b"DNI 12345679")
    assert crypto.keyed_digest(key, b"DNI 12345678") != crypto.keyed_digest(crypto.new_key(), b"DNI 12345678")


# --- the Argon2id concurrency bound ----------------------------------------------------------------


class _Overlap:
    """Wrap Argon2id so each derive() records how many derivations run at that moment."""

    def __init__(self, real: type, hold_seconds: float) -> None:
        self.real = real
        self.hold = hold_seconds
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0
        self.calls = 0

    def __call__(self, **kwargs: object) -> _Overlap._Instance:
        return _Overlap._Instance(self, self.real(**kwargs))

    class _Instance:
        def __init__(self, owner: _Overlap, inner: object) -> None:
            self.owner = owner
            self.inner = inner

        def derive(self, data: bytes) -> bytes:
            owner = self.owner
            with owner.lock:
                owner.active += 1
                owner.calls += 1
                owner.peak = max(owner.peak, owner.active)
            try:
                time.sleep(owner.hold)  # widen the window in which an overlap would be seen
                return self.inner.derive(data)  # type: ignore[attr-defined]
            finally:
                with owner.lock:
                    owner.active -= 1


@pytest.fixture
def argon2_limit() -> Iterator[None]:
    yield
    crypto.configure_argon2_concurrency(2)


def _derive_concurrently(threads: int) -> list[bytes]:
    barrier = threading.Barrier(threads)
    results: list[bytes] = [b""] * threads
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            barrier.wait(timeout=5)
            if i % 2:
                results[i] = crypto.derive_password_key("pw", salt=b"s" * 16, cost=CHEAP)
            else:
                results[i] = crypto.derive_receipt_keys("1234567890123456", salt=b"s", pepper=b"p", cost=CHEAP).wrap_key
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=30)
    assert not errors, errors
    assert all(not w.is_alive() for w in workers)
    return results


def test_argon2_concurrency_limit_one_never_overlaps(monkeypatch: pytest.MonkeyPatch, argon2_limit: None) -> None:
    probe = _Overlap(crypto.Argon2id, hold_seconds=0.02)
    monkeypatch.setattr(crypto, "Argon2id", probe)
    crypto.configure_argon2_concurrency(1)
    results = _derive_concurrently(6)
    assert probe.calls == 6
    assert probe.peak == 1
    assert len(set(results[0::2])) == 1 and len(set(results[1::2])) == 1


def test_argon2_concurrency_limit_two_allows_exactly_two(monkeypatch: pytest.MonkeyPatch, argon2_limit: None) -> None:
    """Control for the test above: the probe does see overlaps when they are allowed."""
    probe = _Overlap(crypto.Argon2id, hold_seconds=0.05)
    monkeypatch.setattr(crypto, "Argon2id", probe)
    crypto.configure_argon2_concurrency(2)
    _derive_concurrently(6)
    assert probe.calls == 6
    assert probe.peak == 2
