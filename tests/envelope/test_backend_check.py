"""The start-up check: a wheel without hybrid HPKE stops the app with a clear message."""

from __future__ import annotations

import pytest
from cryptography.exceptions import UnsupportedAlgorithm

from envelope import primitives as crypto


def test_the_installed_wheel_passes_the_check() -> None:
    crypto.check_backend()


def test_a_wheel_without_the_hybrid_kem_fails_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported() -> crypto.KeyPair:
        raise UnsupportedAlgorithm("ML-KEM is not supported by this version of OpenSSL")

    monkeypatch.setattr(crypto, "generate_keypair", unsupported)
    with pytest.raises(crypto.CryptoUnavailable, match="MLKEM768_X25519.*requirements.txt"):
        crypto.check_backend()
