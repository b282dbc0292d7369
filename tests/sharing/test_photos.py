"""Case photos: what an upload becomes, and what is refused."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import ExifTags, Image

from petition_service.sharing.photos import PhotoError, process_photo


def _jpeg(width: int = 1600, height: int = 1200, orientation: int | None = None) -> bytes:
    """A camera-like JPEG: GPS position, camera model and an orientation tag."""
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((20, 20, 200), (0, 0, width // 2, height // 4))  # a mark at the top left
    exif = Image.Exif()
    exif[ExifTags.Base.Model] = "Secret Camera 3000"
    exif[ExifTags.Base.Artist] = "Nguyễn Văn A"
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (21.0, 1.0, 42.0)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def test_an_upload_is_re_encoded_smaller_and_without_metadata():
    original = _jpeg()
    assert b"Secret Camera" in original
    processed = process_photo(original)
    for data, longest in ((processed.large, 1200), (processed.small, 480)):
        assert b"Secret Camera" not in data and "Nguyễn".encode() not in data
        with Image.open(io.BytesIO(data)) as image:
            assert image.format == "JPEG"
            assert max(image.size) == longest
            assert not image.getexif()  # no EXIF at all: no GPS, no camera, no orientation
            assert "icc_profile" not in image.info
    assert (processed.width, processed.height) == (1200, 900)


def test_the_camera_orientation_is_applied_before_the_tag_is_dropped():
    processed = process_photo(_jpeg(800, 400, orientation=6))  # "rotate 90° clockwise"
    with Image.open(io.BytesIO(processed.large)) as image:
        assert image.size == (400, 800)
        # The blue mark, top-left in the sensor's frame, is now at the top right.
        red, green, blue = image.convert("RGB").getpixel((380, 20))
        assert blue > 150 and red < 100


def test_transparent_png_is_flattened_on_white():
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    with Image.open(io.BytesIO(process_photo(buffer.getvalue()).small)) as result:
        assert result.convert("RGB").getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not an image at all", "not an image"),
        (_png_claiming(10_000, 10_000), "too large"),
        (_png_claiming(100, 50), "too small"),
    ],
)
def test_what_is_refused(data, message):
    with pytest.raises(PhotoError, match=message):
        process_photo(data)


def test_a_gif_is_refused():
    buffer = io.BytesIO()
    Image.new("RGB", (300, 300)).save(buffer, "GIF")
    with pytest.raises(PhotoError, match="JPEG, PNG or WebP"):
        process_photo(buffer.getvalue())
