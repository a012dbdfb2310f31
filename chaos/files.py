"""Small, valid attachments for the load: JPEG and PNG (some with metadata to strip), PDF, plain text.

Each file is unique (it carries a counter), so its SHA-256 identifies it. Where a
file carries metadata the server must remove (an EXIF segment, a PNG text chunk),
`expected` is the same file without it: what must come back out of the store.
"""

from __future__ import annotations

import random
import struct
import zlib

from chaos.ledger import SentFile
from tipline import filetypes, metadata

# An 8x8 baseline JPEG (JFIF) made once with Pillow; bytes 14-17 are the JFIF pixel
# density, which we vary so that every copy is a different, still valid, file.
_JPEG = bytes.fromhex(
    "ffd8ffe000104a46494600010100000100010000ffdb004300100b0c0e0c0a100e0d0e1211101318281a181616183123251d"
    "283a333d3c3933383740485c4e404457453738506d51575f626768673e4d71797064785c656763ffdb0043011112121815182f"
    "1a1a2f634238426363636363636363636363636363636363636363636363636363636363636363636363636363636363636363"
    "636363636363ffc00011080008000803012200021101031101ffc4001f0000010501010101010100000000000000000102030405"
    "060708090a0bffc400b5100002010303020403050504040000017d01020300041105122131410613516107227114328191a108"
    "2342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a6364"
    "65666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3"
    "c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9faffc4001f010003010101010101010101"
    "0000000000000102030405060708090a0bffc400b51100020102040403040705040400010277000102031104052131061241510761"
    "711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a53"
    "5455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3"
    "b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9faffda000c0301000211"
    "0311003f00c8a28a2b90fa83ffd9"
)
_JFIF_END = 20  # SOI (2 bytes) + the APP0 segment (2 + 16)
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def jpeg(serial: int, *, with_exif: bool) -> SentFile:
    """Return a unique JPEG; with an EXIF (APP1) segment carrying a fake GPS note if asked."""
    image = bytearray(_JPEG)
    image[14:18] = struct.pack(">HH", 1 + serial % 65535, 1 + (serial // 65535) % 65535)
    clean = bytes(image)
    sent = clean
    if with_exif:
        # A TIFF header, an empty IFD and a trailing note, as a camera's GPS block would ride along.
        payload = (
            b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00"
            + f"GPS chaos {serial} -12.0464 -77.0428".encode()
        )
        segment = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
        sent = clean[:_JFIF_END] + segment + clean[_JFIF_END:]
    return SentFile(name=f"foto-{serial}.jpg", content_type="image/jpeg", data=sent, expected=clean)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png(serial: int, *, with_text: bool, rng: random.Random) -> SentFile:
    """Return a 4x4 RGB PNG of random pixels; with a tEXt chunk (which the server strips) if asked."""
    width = height = 4
    rows = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(width * 3)) for _ in range(height))
    header = _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    body = _png_chunk(b"IDAT", zlib.compress(rows))
    end = _png_chunk(b"IEND", b"")
    clean = _PNG_SIGNATURE + header + body + end
    sent = clean
    if with_text:
        note = _png_chunk(b"tEXt", f"Comment\x00camera chaos {serial}".encode())
        sent = _PNG_SIGNATURE + header + note + body + end
    return SentFile(name=f"captura-{serial}.png", content_type="image/png", data=sent, expected=clean)


def pdf(serial: int) -> SentFile:
    """Return a small, well-formed one-page PDF."""
    stream = f"BT /F1 12 Tf 72 720 Td (chaos {serial}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    data = bytes(out)
    # The server rewrites every PDF without its metadata (tipline/metadata.py); the result is deterministic.
    expected = metadata.clean_whole(filetypes.PDF, data)
    return SentFile(name=f"acta-{serial}.pdf", content_type="application/pdf", data=data, expected=expected)


def text(serial: int) -> SentFile:
    """Return a short UTF-8 note."""
    data = f"Nota {serial}: horario de visitas, puerta 2, pabellón 4 (prueba de caos).\n".encode()
    return SentFile(name=f"nota-{serial}.txt", content_type="text/plain", data=data, expected=data)


def random_files(rng: random.Random, next_serial: int, *, most: int) -> list[SentFile]:
    """Return 0 to `most` files of mixed kinds, numbered from `next_serial`."""
    files = []
    for offset in range(rng.randint(0, most)):
        serial = next_serial + offset
        kind = rng.choice(("jpeg", "png", "pdf", "text"))
        if kind == "jpeg":
            files.append(jpeg(serial, with_exif=rng.random() < 0.5))
        elif kind == "png":
            files.append(png(serial, with_text=rng.random() < 0.5, rng=rng))
        elif kind == "pdf":
            files.append(pdf(serial))
        else:
            files.append(text(serial))
    return files
