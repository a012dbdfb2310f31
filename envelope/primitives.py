"""The encryption envelope (DESIGN.md section 4): the only module that touches primitives.

Everything stored carries a leading version byte so the format can change without
guessing. The building blocks, all from the `cryptography` package:

- HPKE (RFC 9180), KEM MLKEM768_X25519 (post-quantum hybrid), HKDF-SHA256,
  ChaCha20-Poly1305: seals data keys to units, to the escrow key and unit keys to
  staff members. `info` binds the purpose and the record.
- ChaCha20-Poly1305 with a random nonce and associated data naming the record:
  encrypts fields, messages and wrapped keys.
- Chunked streaming AEAD for attachments, as in the `age` format: 64 KiB chunks,
  nonce = 11-byte counter || last-chunk flag, payload key derived per file.
- Argon2id: receipt codes (with a pepper kept outside the database) and staff
  passwords become keys; a semaphore bounds the concurrent runs.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
CHUNK_BYTES = 64 * 1024
RECEIPT_DIGITS = 16

# Version bytes, one per stored format.
V_PRIVATE_KEY = 1
V_PUBLIC_KEY = 1
V_SEALED = 1
V_AEAD = 1
V_STREAM = 1

_MLKEM_SEED_BYTES = 64
_MLKEM_PUBLIC_BYTES = 1184
_X25519_BYTES = 32
_STREAM_NONCE_BYTES = 16


class CryptoError(Exception):
    """Raised when anything fails to decrypt or parse; says nothing about why."""


class CryptoUnavailable(RuntimeError):
    """Raised at start-up when the installed `cryptography` lacks a needed primitive."""


def _suite() -> hpke.Suite:
    return hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)


def check_backend() -> None:
    """Fail with a clear message unless HPKE with MLKEM768_X25519 and Argon2id work here."""
    try:
        pair = generate_keypair()
        probe = os.urandom(KEY_BYTES)
        if unseal(seal(probe, public_key=pair.public, info=b"probe"), private_key=pair.private, info=b"probe") != probe:
            raise CryptoUnavailable("HPKE round trip returned the wrong bytes")
        Argon2id(salt=b"0" * 16, length=32, iterations=1, lanes=1, memory_cost=8).derive(b"probe")
    except (AttributeError, ImportError, TypeError, ValueError, UnsupportedAlgorithm, CryptoError) as exc:
        raise CryptoUnavailable(
            "The installed 'cryptography' package does not provide HPKE with the "
            "MLKEM768_X25519 KEM and Argon2id (needs cryptography>=47 built against "
            f"OpenSSL 3.5 or later; see requirements.txt): {exc}"
        ) from exc


# --- key pairs ------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPair:
    """A hybrid ML-KEM-768 + X25519 key pair, both halves as versioned raw bytes."""

    private: bytes
    public: bytes


def generate_keypair() -> KeyPair:
    """Return a new hybrid key pair for a unit, a staff member or the escrow."""
    ml = mlkem.MLKEM768PrivateKey.generate()
    xk = x25519.X25519PrivateKey.generate()
    private = bytes([V_PRIVATE_KEY]) + ml.private_bytes_raw() + xk.private_bytes_raw()
    public = bytes([V_PUBLIC_KEY]) + ml.public_key().public_bytes_raw() + xk.public_key().public_bytes_raw()
    return KeyPair(private=private, public=public)


def _load_private(data: bytes) -> hpke.MLKEM768X25519PrivateKey:
    if len(data) != 1 + _MLKEM_SEED_BYTES + _X25519_BYTES or data[0] != V_PRIVATE_KEY:
        raise CryptoError("not a private key")
    try:
        ml = mlkem.MLKEM768PrivateKey.from_seed_bytes(data[1 : 1 + _MLKEM_SEED_BYTES])
        xk = x25519.X25519PrivateKey.from_private_bytes(data[1 + _MLKEM_SEED_BYTES :])
    except ValueError as exc:
        raise CryptoError("not a private key") from exc
    return hpke.MLKEM768X25519PrivateKey(ml, xk)


def _load_public(data: bytes) -> hpke.MLKEM768X25519PublicKey:
    if len(data) != 1 + _MLKEM_PUBLIC_BYTES + _X25519_BYTES or data[0] != V_PUBLIC_KEY:
        raise CryptoError("not a public key")
    try:
        ml = mlkem.MLKEM768PublicKey.from_public_bytes(data[1 : 1 + _MLKEM_PUBLIC_BYTES])
        xk = x25519.X25519PublicKey.from_public_bytes(data[1 + _MLKEM_PUBLIC_BYTES :])
    except ValueError as exc:
        raise CryptoError("not a public key") from exc
    return hpke.MLKEM768X25519PublicKey(ml, xk)


def check_public_key(public_key: bytes) -> None:
    """Raise CryptoError unless the bytes are a versioned public key this module can seal to."""
    _load_public(public_key)


def public_key_of(private_key: bytes) -> bytes:
    """Return the versioned public key that belongs to a versioned private key."""
    data = private_key
    _load_private(data)
    ml = mlkem.MLKEM768PrivateKey.from_seed_bytes(data[1 : 1 + _MLKEM_SEED_BYTES])
    xk = x25519.X25519PrivateKey.from_private_bytes(data[1 + _MLKEM_SEED_BYTES :])
    return bytes([V_PUBLIC_KEY]) + ml.public_key().public_bytes_raw() + xk.public_key().public_bytes_raw()


def fingerprint(public_key: bytes) -> str:
    """Return a short, human-comparable fingerprint of a public key."""
    digest = hashlib.sha256(public_key).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


# --- sealing to a public key (HPKE) --------------------------------------------------


def seal(plaintext: bytes, *, public_key: bytes, info: bytes) -> bytes:
    """Encrypt to the holder of a public key; `info` names the purpose and the record."""
    return bytes([V_SEALED]) + _suite().encrypt(plaintext, _load_public(public_key), info=info)


def unseal(sealed: bytes, *, private_key: bytes, info: bytes) -> bytes:
    """Decrypt what `seal` made for this private key and exactly this `info`."""
    if not sealed or sealed[0] != V_SEALED:
        raise CryptoError("unknown sealed format")
    try:
        return _suite().decrypt(sealed[1:], _load_private(private_key), info=info)
    except (InvalidTag, ValueError) as exc:
        raise CryptoError("cannot unseal") from exc


# --- symmetric records -----------------------------------------------------------------


def new_key() -> bytes:
    """Return a fresh random 32-byte key (a tip's data key, a file key, a vault key)."""
    return secrets.token_bytes(KEY_BYTES)


def encrypt(plaintext: bytes, *, key: bytes, aad: bytes) -> bytes:
    """Encrypt a record under a symmetric key; `aad` names the record it belongs to."""
    nonce = os.urandom(NONCE_BYTES)
    return bytes([V_AEAD]) + nonce + ChaCha20Poly1305(key).encrypt(nonce, plaintext, aad)


def decrypt(ciphertext: bytes, *, key: bytes, aad: bytes) -> bytes:
    """Decrypt a record made by `encrypt` with the same key and associated data."""
    if len(ciphertext) < 1 + NONCE_BYTES + TAG_BYTES or ciphertext[0] != V_AEAD:
        raise CryptoError("unknown record format")
    nonce = ciphertext[1 : 1 + NONCE_BYTES]
    try:
        return ChaCha20Poly1305(key).decrypt(nonce, ciphertext[1 + NONCE_BYTES :], aad)
    except (InvalidTag, ValueError) as exc:
        raise CryptoError("cannot decrypt") from exc


def encrypt_text(text: str, *, key: bytes, aad: bytes) -> bytes:
    """Encrypt a text field (UTF-8)."""
    return encrypt(text.encode("utf-8"), key=key, aad=aad)


def decrypt_text(ciphertext: bytes, *, key: bytes, aad: bytes) -> str:
    """Decrypt a text field made by `encrypt_text`."""
    return decrypt(ciphertext, key=key, aad=aad).decode("utf-8")


def _hkdf(key: bytes, *, info: bytes, salt: bytes | None = None) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=salt, info=info).derive(key)


# --- receipts --------------------------------------------------------------------------

_argon2_slots = threading.BoundedSemaphore(2)
_argon2_slots_size = 2
_argon2_lock = threading.Lock()


def configure_argon2_concurrency(limit: int) -> None:
    """Bound how many Argon2id derivations run at once in this process."""
    global _argon2_slots, _argon2_slots_size
    with _argon2_lock:
        if limit != _argon2_slots_size:
            _argon2_slots = threading.BoundedSemaphore(limit)
            _argon2_slots_size = limit


@dataclass(frozen=True)
class Argon2Cost:
    """The Argon2id cost: memory in KiB and passes; one lane keeps memory predictable."""

    memory_kib: int = 64 * 1024
    iterations: int = 3


def _argon2(secret_input: bytes, *, salt: bytes, pepper: bytes | None, cost: Argon2Cost) -> bytes:
    with _argon2_slots:
        return Argon2id(
            salt=salt,
            length=KEY_BYTES,
            iterations=cost.iterations,
            lanes=1,
            memory_cost=cost.memory_kib,
            secret=pepper,
        ).derive(secret_input)


def generate_receipt() -> str:
    """Return a new receipt code: 16 random digits, never stored by the server."""
    return "".join(secrets.choice("0123456789") for _ in range(RECEIPT_DIGITS))


def format_receipt(receipt: str) -> str:
    """Return the receipt as `dddd dddd dddd dddd`, easy to read aloud."""
    return " ".join(receipt[i : i + 4] for i in range(0, RECEIPT_DIGITS, 4))


def normalise_receipt(text: str) -> str | None:
    """Return the 16 digits of a typed receipt (spaces and dashes ignored), or None."""
    digits = "".join(ch for ch in text if not ch.isspace() and ch not in "-.")
    if len(digits) != RECEIPT_DIGITS or not digits.isascii() or not digits.isdigit():
        return None
    return digits


@dataclass(frozen=True)
class ReceiptKeys:
    """What a receipt opens: the stored lookup id and the key that wraps the data key."""

    lookup_id: bytes
    wrap_key: bytes


def derive_receipt_keys(receipt: str, *, salt: bytes, pepper: bytes, cost: Argon2Cost) -> ReceiptKeys:
    """Derive the lookup id and wrap key from a receipt with Argon2id and the pepper."""
    k = _argon2(receipt.encode("ascii"), salt=hashlib.sha256(salt).digest(), pepper=pepper, cost=cost)
    return ReceiptKeys(
        lookup_id=_hkdf(k, info=b"tipline receipt lookup v1"), wrap_key=_hkdf(k, info=b"tipline receipt wrap v1")
    )


# --- staff passwords -----------------------------------------------------------------------


def new_salt() -> bytes:
    """Return a fresh 16-byte salt."""
    return secrets.token_bytes(16)


def derive_password_key(password: str, *, salt: bytes, cost: Argon2Cost) -> bytes:
    """Derive the key that wraps a staff member's private key from their password."""
    return _argon2(password.encode("utf-8"), salt=salt, pepper=None, cost=cost)


# --- keyed pseudonyms --------------------------------------------------------------------


def keyed_digest(key: bytes, value: bytes) -> bytes:
    """Return HMAC-SHA256(key, value): a pseudonym that links equal values without revealing them."""
    return hmac.new(key, value, hashlib.sha256).digest()


# --- streaming attachments -------------------------------------------------------------------


def _stream_nonce(counter: int, last: bool) -> bytes:
    if counter >= 1 << 88:
        raise CryptoError("stream too long")
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class StreamEncryptor:
    """Encrypt a file as it arrives, in 64 KiB chunks, without holding more than one chunk.

    Output: version byte, 16-byte nonce, then each chunk sealed with
    ChaCha20-Poly1305 under a payload key derived from the file key, the nonce and
    the associated data, so a stream moved to another record fails to decrypt.
    The final chunk carries a flag, so truncation at a chunk boundary is detected.
    """

    def __init__(self, *, key: bytes, aad: bytes) -> None:
        nonce = os.urandom(_STREAM_NONCE_BYTES)
        self._aead = ChaCha20Poly1305(_hkdf(key, salt=nonce, info=b"tipline stream v1|" + aad))
        self._header = bytes([V_STREAM]) + nonce
        self._buffer = bytearray()
        self._counter = 0
        self._finished = False
        self.plaintext_bytes = 0

    def update(self, data: bytes) -> bytes:
        """Take plaintext; return the ciphertext that can be written now."""
        if self._finished:
            raise CryptoError("stream already finished")
        self._buffer += data
        self.plaintext_bytes += len(data)
        out = bytearray(self._header)
        self._header = b""
        # Keep at least one byte back: only finalize() knows which chunk is last.
        while len(self._buffer) > CHUNK_BYTES:
            chunk = bytes(self._buffer[:CHUNK_BYTES])
            del self._buffer[:CHUNK_BYTES]
            out += self._aead.encrypt(_stream_nonce(self._counter, False), chunk, None)
            self._counter += 1
        return bytes(out)

    def finalize(self) -> bytes:
        """Seal the last chunk (empty only when the whole file is empty)."""
        if self._finished:
            raise CryptoError("stream already finished")
        self._finished = True
        out = self._header + self._aead.encrypt(_stream_nonce(self._counter, True), bytes(self._buffer), None)
        self._buffer.clear()
        return out


def decrypt_stream(chunks: Iterable[bytes], *, key: bytes, aad: bytes) -> Iterator[bytes]:
    """Yield the plaintext of a stream made by StreamEncryptor, chunk by chunk.

    Raises CryptoError on any tampering, truncation, reordering or wrong key; a
    caller streaming to a client must treat an exception as a broken download.
    """
    buffer = bytearray()
    iterator = iter(chunks)
    header_len = 1 + _STREAM_NONCE_BYTES
    for piece in iterator:
        buffer += piece
        if len(buffer) >= header_len:
            break
    if len(buffer) < header_len or buffer[0] != V_STREAM:
        raise CryptoError("unknown stream format")
    nonce = bytes(buffer[1:header_len])
    del buffer[:header_len]
    aead = ChaCha20Poly1305(_hkdf(key, salt=nonce, info=b"tipline stream v1|" + aad))
    sealed_chunk = CHUNK_BYTES + TAG_BYTES
    counter = 0
    exhausted = False
    while True:
        while not exhausted and len(buffer) <= sealed_chunk:
            more = next(iterator, None)
            if more is None:
                exhausted = True
            else:
                buffer += more
        if len(buffer) > sealed_chunk:
            chunk, last = bytes(buffer[:sealed_chunk]), False
            del buffer[:sealed_chunk]
        else:
            chunk, last = bytes(buffer), True
            buffer.clear()
        if len(chunk) < TAG_BYTES:
            raise CryptoError("truncated stream")
        try:
            plain = aead.decrypt(_stream_nonce(counter, last), chunk, None)
        except InvalidTag as exc:
            raise CryptoError("cannot decrypt stream") from exc
        if last and counter > 0 and not plain:
            # A full-size chunk must not be followed by an empty final one (age's rule).
            raise CryptoError("malformed stream")
        yield plain
        if last:
            return
        counter += 1
