"""Tests for the streaming JPEG/PNG metadata stripper (no Django needed)."""

from __future__ import annotations

import io
import itertools
import random
import struct
import zlib
from collections.abc import Callable, Iterable, Sequence
from functools import cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import ExifTags, Image, ImageCms, PngImagePlugin

from tipline.metadata import (
    JpegStripper,
    MetadataStripper,
    PngStripper,
    stripper_for,
)

CAMERA = b"CANARY-CAMERA-7731"
PNG_TEXT = b"CANARY-PNG-TEXT"
JPEG_CANARIES = (
    CAMERA,
    b"CANARY-COMMENT",
    b"CANARY-XMP",
    b"CANARY-IPTC",
    b"CANARY-APP3",
    b"CANARY-APP15",
    b"CANARY-FPXR",
    b"CANARY-NOT-ADOBE",
    b"CANARY-NOT-ICC",
)
CHUNK_SIZES = [1, 7, 65536]
PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    # Keep the shared source tree free of a .hypothesis/ example database.
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# --- helpers ---------------------------------------------------------------


def strip(data: bytes, chunk_size: int = 65536) -> bytes:
    stripper = stripper_for(data[:8])
    assert stripper is not None
    return run(stripper, (data[i : i + chunk_size] for i in range(0, len(data), chunk_size)))


def run(stripper: MetadataStripper, chunks: Iterable[bytes]) -> bytes:
    out = bytearray()
    for chunk in chunks:
        out += stripper.feed(chunk)
    out += stripper.close()
    return bytes(out)


def split_at(data: bytes, points: Iterable[int]) -> list[bytes]:
    cuts = sorted({p % (len(data) + 1) for p in points} | {0, len(data)})
    return [data[a:b] for a, b in itertools.pairwise(cuts)]


def noise_image(mode: str, size: tuple[int, int] = (64, 48), seed: int = 0) -> Image.Image:
    # Noise rather than a flat colour so a pixel comparison means something.
    bands = len(mode)
    raw = random.Random(seed).randbytes(size[0] * size[1] * bands)
    return Image.frombytes(mode, size, raw)


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


def insert_after_soi(jpeg: bytes, extra: bytes) -> bytes:
    assert jpeg[:2] == b"\xff\xd8"
    return jpeg[:2] + extra + jpeg[2:]


def photoshop_iptc(text: bytes) -> bytes:
    iptc = b"\x1c\x02\x78" + struct.pack(">H", len(text)) + text
    if len(iptc) % 2:
        iptc += b"\x00"
    resource = b"8BIM" + b"\x04\x04" + b"\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    return b"Photoshop 3.0\x00" + resource


def camera_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = CAMERA.decode()
    exif[ExifTags.Base.Model] = CAMERA.decode() + " Pro"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (52.0, 22.0, 30.5),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (4.0, 53.0, 1.0),
        }
    )
    return exif


@cache
def srgb_icc() -> bytes:
    """Return one sRGB profile for the whole run: a profile carries its creation time, so two made a second
    apart differ, and a kept profile must be compared with the very bytes that were embedded."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def save_jpeg(img: Image.Image, **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, **params)
    return buf.getvalue()


@cache
def jpeg_with_metadata(icc: bool = False) -> bytes:
    """Return a JPEG carrying EXIF+GPS, XMP, COM, IPTC and assorted APPn junk."""
    params: dict[str, object] = {
        "exif": camera_exif(),
        "comment": b"CANARY-COMMENT",
        "xmp": b'<x:xmpmeta xmlns:x="adobe:ns:meta/">CANARY-XMP</x:xmpmeta>',
    }
    if icc:
        params["icc_profile"] = srgb_icc()
    data = save_jpeg(noise_image("RGB"), **params)
    extra = (
        jpeg_segment(0xED, photoshop_iptc(b"CANARY-IPTC"))
        # Fill bytes before a marker are legal and must be handled.
        + b"\xff\xff\xff"
        + jpeg_segment(0xE3, b"CANARY-APP3")
        + jpeg_segment(0xEF, b"CANARY-APP15")
        # APP2/APP14 that are *not* ICC/Adobe must still go.
        + jpeg_segment(0xE2, b"FPXR\x00CANARY-FPXR")
        + jpeg_segment(0xE2, b"ICC")
        + jpeg_segment(0xE2, b"ICC_PROFILE-CANARY-NOT-ICC")
        + jpeg_segment(0xEE, b"CANARY-NOT-ADOBE")
        + jpeg_segment(0xFE, b"")
    )
    return insert_after_soi(data, extra)


@cache
def jpeg_plain(icc: bool = False) -> bytes:
    """Return the same picture as jpeg_with_metadata, saved without metadata."""
    params: dict[str, object] = {"icc_profile": srgb_icc()} if icc else {}
    return save_jpeg(noise_image("RGB"), **params)


@cache
def jpeg_cmyk() -> bytes:
    # Pillow writes CMYK JPEGs with an APP14 "Adobe" segment.
    return insert_after_soi(
        save_jpeg(noise_image("CMYK"), exif=camera_exif()),
        jpeg_segment(0xFE, b"CANARY-COMMENT"),
    )


@cache
def jpeg_big_icc() -> bytes:
    # Larger than one APP2 segment can hold, so Pillow splits it in three.
    profile = random.Random(1).randbytes(150_000)
    return save_jpeg(noise_image("RGB"), icc_profile=profile, exif=camera_exif())


def png_chunk(ctype: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(ctype + data)
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", crc)


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        ctype = data[pos + 4 : pos + 8]
        chunks.append((ctype, data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return chunks


def save_png(img: Image.Image, **params: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG", **params)
    return buf.getvalue()


@cache
def png_with_metadata() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", PNG_TEXT.decode())
    info.add_text("Compressed", PNG_TEXT.decode(), zip=True)
    info.add_itxt("Author", PNG_TEXT.decode(), lang="en", tkey="Author")
    info.add(b"tIME", struct.pack(">HBBBBB", 2024, 5, 17, 13, 37, 0))
    return save_png(
        noise_image("RGB"),
        pnginfo=info,
        exif=camera_exif(),
        icc_profile=srgb_icc(),
        dpi=(300, 300),
    )


@cache
def png_plain() -> bytes:
    return save_png(noise_image("RGB"), dpi=(300, 300))


def decoded(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


SAMPLES: dict[str, Callable[[], bytes]] = {
    "jpeg": jpeg_with_metadata,
    "jpeg_icc": lambda: jpeg_with_metadata(icc=True),
    "jpeg_cmyk": jpeg_cmyk,
    "png": png_with_metadata,
}


# --- JPEG -------------------------------------------------------------------


@pytest.mark.parametrize("icc", [False, True], ids=["no-icc", "icc"])
@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_jpeg_exif_gps_and_comments_are_removed(icc: bool, chunk_size: int) -> None:
    original = jpeg_with_metadata(icc)
    before = decoded(original)
    assert before.getexif().get_ifd(ExifTags.IFD.GPSInfo), "fixture should carry GPS"
    for canary in JPEG_CANARIES:
        assert canary in original, canary

    stripped = strip(original, chunk_size)

    for canary in JPEG_CANARIES:
        assert canary not in stripped, canary
    after = decoded(stripped)
    assert after.format == "JPEG"
    assert after.size == before.size
    assert after.tobytes() == before.tobytes()
    assert len(after.getexif()) == 0
    assert "comment" not in after.info
    assert "xmp" not in after.info
    assert "photoshop" not in after.info
    assert after.info.get("jfif") == before.info.get("jfif")
    # An ICC profile may carry its creation time and the device's maker and model: it goes too.
    assert "icc_profile" not in after.info


@pytest.mark.parametrize("icc", [False, True], ids=["no-icc", "icc"])
def test_jpeg_stripped_equals_same_image_saved_without_metadata(icc: bool) -> None:
    # Kept segments and the entropy-coded data must come through byte for byte; no ICC profile is kept.
    assert strip(jpeg_with_metadata(icc), 7) == jpeg_plain()


def test_jpeg_without_metadata_is_unchanged() -> None:
    assert strip(jpeg_plain(), 1) == jpeg_plain()


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_jpeg_cmyk_keeps_adobe_segment(chunk_size: int) -> None:
    original = jpeg_cmyk()
    assert original.count(b"Adobe") == 1

    stripped = strip(original, chunk_size)

    assert b"Adobe" in stripped
    assert CAMERA not in stripped and b"CANARY-COMMENT" not in stripped
    before, after = decoded(original), decoded(stripped)
    assert after.mode == "CMYK"
    assert after.info.get("adobe") == before.info.get("adobe")
    assert after.tobytes() == before.tobytes()


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_jpeg_multi_segment_icc_profile_is_dropped(chunk_size: int) -> None:
    original = jpeg_big_icc()
    assert original.count(b"ICC_PROFILE\x00") == 3

    stripped = strip(original, chunk_size)

    assert CAMERA not in stripped
    assert b"ICC_PROFILE" not in stripped
    before, after = decoded(original), decoded(stripped)
    assert "icc_profile" not in after.info
    assert after.tobytes() == before.tobytes()


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_jpeg_thumbnail_in_app0_and_jfxx_extensions_are_dropped(chunk_size: int) -> None:
    plain = jpeg_plain()
    assert plain[2:4] == b"\xff\xe0" and plain[6:11] == b"JFIF\x00"
    plain_app0_end = 4 + int.from_bytes(plain[4:6], "big")
    # A JFIF header with a 2x1 RGB thumbnail (a second picture), then a JFXX extension with another one.
    jfif_with_thumbnail = plain[6 : plain_app0_end - 2] + b"\x02\x01" + b"CANARY"
    jfxx = b"JFXX\x00\x13" + b"\x02\x01" + b"CANARY"
    sent = b"\xff\xd8" + jpeg_segment(0xE0, jfif_with_thumbnail) + jpeg_segment(0xE0, jfxx) + plain[plain_app0_end:]

    stripped = strip(sent, chunk_size)

    assert b"CANARY" not in stripped and b"JFXX" not in stripped and b"JFIF" not in stripped
    assert decoded(stripped).tobytes() == decoded(plain).tobytes()
    # A plain JFIF header (no thumbnail) is kept as it is.
    assert strip(plain, chunk_size) == plain


@pytest.mark.parametrize("chunk_size", [1, 7, 65536])
def test_jpeg_trailers_after_the_image_are_dropped(chunk_size: int) -> None:
    # A vendor trailer, or the second image of a multi-picture (MPO) file with its own EXIF.
    trailer = jpeg_segment(0xE1, b"Exif\x00\x00TRAILER-CANARY") + jpeg_with_metadata()
    assert strip(jpeg_plain() + trailer, chunk_size) == jpeg_plain()


@pytest.mark.parametrize("chunk_size", [1, 7, 65536])
def test_progressive_jpeg_keeps_every_scan_and_loses_metadata_between_scans(chunk_size: int) -> None:
    img = noise_image("RGB")
    progressive = save_jpeg(img, progressive=True, exif=camera_exif())
    # Put a comment segment between two scans: find the second SOS and insert before it.
    first_sos = progressive.index(b"\xff\xda")
    second_sos = progressive.index(b"\xff\xda", first_sos + 2)
    hostile = progressive[:second_sos] + jpeg_segment(0xFE, b"CANARY-BETWEEN-SCANS") + progressive[second_sos:]
    stripped = strip(hostile, chunk_size)
    assert CAMERA not in stripped
    assert b"CANARY-BETWEEN-SCANS" not in stripped
    assert decoded(stripped).tobytes() == decoded(progressive).tobytes()


# --- PNG --------------------------------------------------------------------


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_png_text_and_exif_chunks_are_removed(chunk_size: int) -> None:
    original = png_with_metadata()
    in_types = [t for t, _ in png_chunks(original)]
    for ctype in (b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"):
        assert ctype in in_types, ctype
    assert PNG_TEXT in original and CAMERA in original
    before = decoded(original)
    assert isinstance(before, PngImagePlugin.PngImageFile)
    assert before.text

    stripped = strip(original, chunk_size)

    assert PNG_TEXT not in stripped and CAMERA not in stripped
    out_chunks = png_chunks(stripped)
    dropped = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME", b"iCCP"}
    assert [t for t, _ in out_chunks] == [t for t in in_types if t not in dropped]
    assert [t for t, _ in out_chunks][:1] == [b"IHDR"]
    assert out_chunks[-1] == (b"IEND", b"")
    # verify() checks every chunk's CRC, so it proves chunks were copied whole.
    with Image.open(io.BytesIO(stripped)) as img:
        img.verify()
    after = decoded(stripped)
    assert isinstance(after, PngImagePlugin.PngImageFile)
    assert after.tobytes() == before.tobytes()
    assert after.text == {}
    assert len(after.getexif()) == 0
    assert "icc_profile" not in after.info  # iCCP names its profile
    assert after.info["dpi"] == pytest.approx(before.info["dpi"])


def test_png_stripped_equals_same_image_saved_without_metadata() -> None:
    assert strip(png_with_metadata(), 7) == png_plain()


def test_png_text_after_idat_is_removed_too() -> None:
    plain = png_plain()
    iend = png_chunk(b"IEND", b"")
    assert plain.endswith(iend)
    late = png_chunk(b"tEXt", b"Comment\x00" + PNG_TEXT)
    data = plain[: -len(iend)] + late + iend
    assert strip(data, 1) == plain


def test_png_private_unknown_and_provenance_chunks_go_plain_colour_chunks_stay() -> None:
    plain = png_plain()
    first = 8 + 12 + len(png_chunks(plain)[0][1])  # just after IHDR
    colour = png_chunk(b"sBIT", b"\x08\x08\x08")
    hidden = (
        png_chunk(b"prVt", b"CANARY-PRIVATE")
        + png_chunk(b"caBX", b"c2pa CANARY-CREATOR")
        + png_chunk(b"iCCP", b"CANARY-PROFILE\x00\x00" + zlib.compress(b"profile"))
    )
    data = plain[:first] + hidden + colour + plain[first:]
    assert strip(data, 3) == plain[:first] + colour + plain[first:]


# --- streaming behaviour ----------------------------------------------------


@pytest.mark.parametrize(
    ("sample", "max_lag"),
    [
        # Three ~65 KB ICC segments: kept segments must not be held whole.
        (lambda: strip(jpeg_big_icc()), 16),
        (png_plain, 8),
    ],
    ids=["jpeg", "png"],
)
def test_kept_data_streams_out_without_buffering(sample: Callable[[], bytes], max_lag: int) -> None:
    data = sample()
    stripper = stripper_for(data)
    assert stripper is not None
    emitted = 0
    for i in range(len(data)):
        emitted += len(stripper.feed(data[i : i + 1]))
        assert i + 1 - emitted <= max_lag
    assert emitted + len(stripper.close()) == len(data)


def test_dropped_segment_is_skipped_as_it_streams() -> None:
    payload = b"Exif\x00\x00" + b"A" * 60_000
    data = insert_after_soi(jpeg_plain(), jpeg_segment(0xE1, payload))
    stripper = JpegStripper()
    assert stripper.feed(data[:6]) == b"\xff\xd8"  # SOI out, APP1 header held
    for i in range(6, 6 + len(payload) - 2):
        assert stripper.feed(data[i : i + 1]) == b""
    rest = stripper.feed(data[6 + len(payload) - 2 :]) + stripper.close()
    assert b"\xff\xd8" + rest == jpeg_plain()
    assert not stripper.gave_up


# --- format detection -------------------------------------------------------


def test_stripper_for_detects_by_magic_bytes() -> None:
    assert isinstance(stripper_for(jpeg_plain()[:8]), JpegStripper)
    assert isinstance(stripper_for(png_plain()[:8]), PngStripper)


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"%PDF-1.7\n",
        b"GIF89a\x01\x00",
        b"RIFF\x00\x00\x00\x00WEBP",
        b"hello world",
        b"\xff\xd8",  # too short to be sure it is a JPEG
        b"\xff\xd8\x00\x00",
        b"\x89PNG\r\n",  # truncated signature
        b"\x89PNG\r\n\x1a\x00",
    ],
)
def test_stripper_for_returns_none_for_non_images(head: bytes) -> None:
    assert stripper_for(head) is None


# --- malformed input --------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"\xff\xd8\xff\xe1\x00\x01rest-of-file",  # length < 2
        b"\xff\xd8\xff\xe0\x00\x00",
        b"\xff\xd8\xff\x00garbage",  # stuffed zero outside entropy data
        b"\xff\xd8junk between segments",
        b"\xff\xd9not a jpeg at all",
    ],
)
def test_malformed_jpeg_falls_back_to_pass_through(data: bytes) -> None:
    stripper = JpegStripper()
    out = run(stripper, [data[i : i + 1] for i in range(len(data))])
    assert stripper.gave_up
    assert out == data


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + b"\xff\xff\xff\xff" + b"IDAT" + b"x" * 20,  # > 2**31-1
        b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\x01" + b"I\x00AT" + b"x" * 20,
        b"\x89PNG\r\n\x1a\r" + b"x" * 20,
        b"GIF89a" + b"x" * 20,
    ],
)
def test_malformed_png_falls_back_to_pass_through(data: bytes) -> None:
    stripper = PngStripper()
    out = run(stripper, [data[i : i + 3] for i in range(0, len(data), 3)])
    assert stripper.gave_up
    assert out == data


def test_feed_after_close_is_a_caller_error() -> None:
    stripper = JpegStripper()
    stripper.feed(jpeg_plain()[:100])
    stripper.close()
    assert stripper.close() == b""
    with pytest.raises(ValueError):
        stripper.feed(b"\x00")


@PROPERTY_SETTINGS
@given(data=st.binary(max_size=4096), splits=st.lists(st.integers(0, 4096), max_size=20))
@pytest.mark.parametrize("cls", [JpegStripper, PngStripper])
def test_random_bytes_never_raise_or_grow(
    cls: type[JpegStripper | PngStripper], data: bytes, splits: list[int]
) -> None:
    out = run(cls(), split_at(data, splits))
    assert len(out) <= len(data)


@PROPERTY_SETTINGS
@given(
    magic=st.sampled_from([b"\xff\xd8\xff", b"\xff\xd8\xff\xe1", b"\x89PNG\r\n\x1a\n"]),
    body=st.binary(max_size=4096),
    splits=st.lists(st.integers(0, 4096), max_size=20),
)
def test_random_bytes_after_magic_never_raise_or_grow(magic: bytes, body: bytes, splits: list[int]) -> None:
    data = magic + body
    stripper = stripper_for(data[:8])
    assert stripper is not None
    out = run(stripper, split_at(data, splits))
    assert len(out) <= len(data)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_truncation_point_gives_a_prefix_of_the_full_output(name: str) -> None:
    # Exhaustive, so cuts inside a dropped segment's header are covered too:
    # a half-read metadata header must not leak out of close().
    full = SAMPLES[name]()
    expected = strip(full)
    for cut in range(len(full) + 1):
        stripper = stripper_for(full)
        assert stripper is not None
        out = run(stripper, [full[:cut]])
        assert expected.startswith(out), cut


@PROPERTY_SETTINGS
@given(
    name=st.sampled_from(sorted(SAMPLES)),
    cut=st.integers(min_value=0),
    splits=st.lists(st.integers(0, 1 << 20), max_size=10),
)
def test_truncated_files_never_raise_and_give_a_prefix(name: str, cut: int, splits: list[int]) -> None:
    full = SAMPLES[name]()
    truncated = full[: cut % (len(full) + 1)]
    stripper = stripper_for(full)
    assert stripper is not None
    out = run(stripper, split_at(truncated, splits))
    assert len(out) <= len(truncated)
    # What was emitted is exactly what the complete file would have started with.
    assert strip(full).startswith(out)


@PROPERTY_SETTINGS
@given(
    name=st.sampled_from(sorted(SAMPLES)),
    splits=st.lists(st.integers(0, 1 << 20), max_size=40),
)
def test_output_does_not_depend_on_chunk_boundaries(name: str, splits: list[int]) -> None:
    data = SAMPLES[name]()
    stripper = stripper_for(data)
    assert stripper is not None
    assert run(stripper, split_at(data, splits)) == strip(data)


@PROPERTY_SETTINGS
@given(
    magic=st.sampled_from([b"\xff\xd8", b"\x89PNG\r\n\x1a\n"]),
    body=st.binary(max_size=2048),
    splits=st.lists(st.integers(0, 2100), max_size=20),
)
def test_random_input_does_not_depend_on_chunk_boundaries(magic: bytes, body: bytes, splits: Sequence[int]) -> None:
    data = magic + body
    cls = JpegStripper if magic.startswith(b"\xff") else PngStripper
    one_byte = run(cls(), [data[i : i + 1] for i in range(len(data))])
    assert run(cls(), split_at(data, splits)) == one_byte == run(cls(), [data])


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_stripping_is_idempotent(name: str) -> None:
    once = strip(SAMPLES[name]())
    assert strip(once, 5) == once
