"""Fuzzing the envelope's parsers with mutated input (docs/fuzzing.md).

Valid records, sealed keys, attachment streams, session vaults and images are
mutated by Hypothesis (bit flips, truncation, extension, overwritten, duplicated and
swapped spans, another version byte, splices with another valid value, nothing at
all) and opened again, with the right key or a wrong one. Every mutation must be
rejected with the module's own error and nothing else; none may ever open to a
plaintext, and the metadata stripper must never fail or let through what it removes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from hypothesis import given
from hypothesis import strategies as st

from envelope import primitives as crypto
from envelope.vault import vault_open, vault_store
from fuzz.budget import Target, fuzz_settings
from fuzz.figures import FuzzLog
from fuzz.mutations import chunked, mutated
from fuzz.strategies import IMAGE_METADATA_MARKERS, sample_images, unicode_text
from tipline.metadata import stripper_for

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
AAD = b"tipline v1|tip:fuzz|description"
PLAINTEXT = "Sgto. Pérez recibe celulares los domingos.".encode()
PAIR = crypto.generate_keypair()
OTHER_PAIR = crypto.generate_keypair()
INFO = b"tipline v1|tip:fuzz|data key|unit-keypair:1"
DATA_KEY = os.urandom(32)
# Three chunks and a bit: mutations can hit every chunk boundary and the final-chunk flag.
STREAM_PLAINTEXT = os.urandom(3 * crypto.CHUNK_BYTES + 123)


@pytest.fixture
def log() -> Iterator[FuzzLog]:
    figures = FuzzLog()
    yield figures
    figures.flush()


def rejected(log: FuzzLog, target: str, opener: Callable[[], object]) -> None:
    """Run `opener`; it must raise CryptoError. Anything it returns, or any other exception, fails the test."""
    start = time.perf_counter()
    try:
        result = opener()
    except crypto.CryptoError:
        log.record(target, "rejected", time.perf_counter() - start)
        return
    except Exception:
        log.record(target, "other exception", time.perf_counter() - start)
        log.failure(target)
        raise
    log.record(target, "opened", time.perf_counter() - start)
    log.leak(target)
    raise AssertionError(f"{target} opened a mutated input to {result!r:.80}")


def test_mutated_or_misaddressed_records_are_rejected(log: FuzzLog) -> None:
    record = crypto.encrypt(PLAINTEXT, key=KEY, aad=AAD)
    other_record = crypto.encrypt(PLAINTEXT, key=KEY, aad=AAD + b" (other row)")

    @fuzz_settings(Target.ENVELOPE)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        how = data.draw(st.sampled_from(["mutated", "mutated", "mutated", "wrong key", "wrong aad"]))
        if how == "mutated":
            bad = data.draw(mutated(record, donors=[other_record]))
            rejected(log, "crypto.decrypt", lambda: crypto.decrypt(bad, key=KEY, aad=AAD))
        elif how == "wrong key":
            key = data.draw(mutated(KEY))
            rejected(log, "crypto.decrypt", lambda: crypto.decrypt(record, key=key, aad=AAD))
        else:
            aad = data.draw(mutated(AAD))
            rejected(log, "crypto.decrypt", lambda: crypto.decrypt(record, key=KEY, aad=aad))

    check()
    assert crypto.decrypt(record, key=KEY, aad=AAD) == PLAINTEXT


def test_mutated_sealed_keys_wrong_info_and_wrong_private_keys_are_rejected(log: FuzzLog) -> None:
    sealed = crypto.seal(DATA_KEY, public_key=PAIR.public, info=INFO)
    other_sealed = crypto.seal(DATA_KEY, public_key=OTHER_PAIR.public, info=INFO)

    @fuzz_settings(Target.ENVELOPE)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        how = data.draw(st.sampled_from(["mutated", "mutated", "wrong info", "wrong private key"]))
        if how == "mutated":
            bad = data.draw(mutated(sealed, donors=[other_sealed]))
            rejected(log, "crypto.unseal", lambda: crypto.unseal(bad, private_key=PAIR.private, info=INFO))
        elif how == "wrong info":
            info = data.draw(mutated(INFO))
            rejected(log, "crypto.unseal", lambda: crypto.unseal(sealed, private_key=PAIR.private, info=info))
        else:
            private = data.draw(mutated(PAIR.private, donors=[OTHER_PAIR.private]))
            if equivalent_private_key(private):
                # Bits X25519 clamps away, or ML-KEM's implicit-rejection seed: the same key pair.
                opened = crypto.unseal(sealed, private_key=private, info=INFO)
                log.record("crypto.unseal", "opened with an equivalent key", 0.0)
                assert opened == DATA_KEY
                return
            rejected(log, "crypto.unseal", lambda: crypto.unseal(sealed, private_key=private, info=INFO))

    check()
    assert crypto.unseal(sealed, private_key=PAIR.private, info=INFO) == DATA_KEY


def equivalent_private_key(private: bytes) -> bool:
    """Return whether a changed private key is still the key pair's own (it has the same public key)."""
    try:
        return crypto.public_key_of(private) == PAIR.public
    except crypto.CryptoError:
        return False


def test_sealing_to_a_mutated_public_key_fails_or_cannot_be_opened(log: FuzzLog) -> None:
    @fuzz_settings(Target.ENVELOPE)
    @given(public=mutated(PAIR.public, donors=[OTHER_PAIR.public]))
    def check(public: bytes) -> None:
        try:
            sealed = crypto.seal(DATA_KEY, public_key=public, info=INFO)
        except crypto.CryptoError:
            log.record("crypto.seal (mutated public key)", "refused", 0.0)
            return
        # A mutated key that still parses is another key: the real private key must not open it.
        rejected(
            log, "crypto.seal (mutated public key)", lambda: crypto.unseal(sealed, private_key=PAIR.private, info=INFO)
        )

    check()


def open_all(pieces: list[bytes], *, key: bytes, aad: bytes, opened: list[bytes]) -> bytes:
    for plain in crypto.decrypt_stream(pieces, key=key, aad=aad):
        opened.append(plain)
    return b"".join(opened)


def test_mutated_attachment_streams_are_rejected_and_yield_only_true_prefixes(log: FuzzLog) -> None:
    encryptor = crypto.StreamEncryptor(key=KEY, aad=AAD)
    stream = encryptor.update(STREAM_PLAINTEXT) + encryptor.finalize()
    other = crypto.StreamEncryptor(key=KEY, aad=AAD)
    other_stream = other.update(STREAM_PLAINTEXT) + other.finalize()

    @fuzz_settings(Target.ENVELOPE)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        how = data.draw(st.sampled_from(["mutated", "mutated", "mutated", "wrong key", "wrong aad"]))
        key, aad, body = KEY, AAD, stream
        if how == "mutated":
            body = data.draw(mutated(stream, donors=[other_stream]))
        elif how == "wrong key":
            key = OTHER_KEY
        else:
            aad = data.draw(mutated(AAD))
        pieces = data.draw(chunked(body))
        opened: list[bytes] = []
        rejected(log, "crypto.decrypt_stream", lambda: open_all(pieces, key=key, aad=aad, opened=opened))
        # A download shows the chunks before the broken one: they must be the true beginning of the file.
        assert STREAM_PLAINTEXT.startswith(b"".join(opened))

    check()


def _ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok")


@pytest.mark.django_db
def test_mutated_vault_cookies_and_sessions_open_nothing(log: FuzzLog) -> None:
    secrets = {"followup_tip": os.urandom(16), "followup_data_key": os.urandom(32)}
    request = RequestFactory().get("/")
    middleware = SessionMiddleware(_ok)
    middleware.process_request(request)
    response = HttpResponse()
    vault_store(request, response, secrets)
    middleware.process_response(request, response)
    session_name, vault_name = settings.SESSION_COOKIE_NAME, settings.VAULT_COOKIE_NAME
    session_cookie, vault_cookie = response.cookies[session_name].value, response.cookies[vault_name].value

    def opened_with(cookies: dict[str, str], sealed: str | None = None) -> dict[str, bytes]:
        again = RequestFactory().get("/")
        again.COOKIES.update(cookies)
        middleware.process_request(again)
        if sealed is not None:
            again.session["vault"] = sealed
        return vault_open(again)

    base = {session_name: session_cookie, vault_name: vault_cookie}
    assert opened_with(base) == secrets
    sealed_blob = str(opened_request_session(base, middleware)["vault"])

    @fuzz_settings(Target.ENVELOPE)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        how = data.draw(st.sampled_from(["cookie", "cookie", "sealed session", "other text"]))
        if how == "cookie":
            cookie = data.draw(mutated(vault_cookie.encode())).decode("latin-1")
            result = opened_with({**base, vault_name: cookie})
        elif how == "sealed session":
            blob = data.draw(mutated(sealed_blob.encode())).decode("latin-1")
            result = opened_with(base, sealed=blob)
        else:
            result = opened_with({**base, vault_name: data.draw(unicode_text(60))})
        # Base64 has spare bits: a changed character may decode to the same key. Then, and only
        # then, the vault may open, and to exactly what was stored.
        log.record("envelope.vault.vault_open", "opened the same" if result else "rejected", 0.0)
        if result and result != secrets:
            log.leak("envelope.vault.vault_open")
        assert result in ({}, secrets)

    check()


def opened_request_session(cookies: dict[str, str], middleware: SessionMiddleware) -> dict[str, object]:
    request = RequestFactory().get("/")
    request.COOKIES.update(cookies)
    middleware.process_request(request)
    return dict(request.session.items())


def test_typed_tracking_codes_normalise_to_sixteen_ascii_digits_or_nothing(log: FuzzLog) -> None:
    digits = st.text(st.sampled_from("0123456789"), min_size=16, max_size=16)
    spelled = st.builds(
        lambda code, sep: sep.join(code[i : i + 4] for i in range(0, 16, 4)),
        digits,
        st.sampled_from(["", " ", "-", "."]),
    )

    @fuzz_settings(Target.ENVELOPE)
    @given(
        typed=st.one_of(
            unicode_text(40), spelled, spelled.flatmap(lambda s: mutated(s.encode()).map(lambda b: b.decode("latin-1")))
        )
    )
    def check(typed: str) -> None:
        normal = crypto.normalise_receipt(typed)
        expected = "".join(ch for ch in typed if not ch.isspace() and ch not in "-.")
        log.record("crypto.normalise_receipt", "accepted" if normal else "rejected", 0.0)
        if normal is None:
            assert not (len(expected) == 16 and expected.isascii() and expected.isdigit())
        else:
            assert normal == expected and normal.isascii() and normal.isdigit() and len(normal) == 16
            assert crypto.normalise_receipt(crypto.format_receipt(normal)) == normal

    check()


def strip(data: bytes, pieces: list[bytes]) -> tuple[bytes, bool]:
    stripper = stripper_for(data[:16])
    if stripper is None:
        return data, False
    out = b"".join(stripper.feed(piece) for piece in pieces) + stripper.close()
    return out, stripper.gave_up


def test_metadata_stripper_survives_mutated_images_and_never_keeps_photo_metadata(log: FuzzLog) -> None:
    images = sample_images()
    pristine = st.sampled_from(sorted(images)).map(lambda kind: images[kind])

    @fuzz_settings(Target.ENVELOPE)
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        original = data.draw(pristine)
        damaged = data.draw(st.booleans())
        image = data.draw(mutated(original, donors=list(images.values()))) if damaged else original
        target = "tipline.metadata (damaged images)" if damaged else "tipline.metadata (photos)"
        try:
            out, gave_up = strip(image, data.draw(chunked(image)))
            whole, _gave_up = strip(image, [image])
        except Exception:
            log.failure(target)
            raise
        log.record(target, "gave up (passed through)" if gave_up else "stripped", 0.0)
        assert len(out) <= len(image)
        assert out == whole, "the output depends on how the file arrived in pieces"
        if not damaged:
            leaked = [marker for marker in IMAGE_METADATA_MARKERS if marker in out]
            if leaked:
                log.leak(target)
            assert not leaked and not gave_up
        elif not gave_up and stripper_for(out[:16]) is not None:
            again, gave_up_again = strip(out, [out])
            assert again == out and not gave_up_again, "stripping its own output changed it"

    check()
