"""Case photos: checked, re-encoded without metadata, kept in the database, served from a
file copy on each app server.

An upload is decoded by Pillow and drawn again into a fresh JPEG, so nothing of the
original file survives but its pixels: no EXIF (camera, GPS position, time), no ICC or XMP
data, no trailing bytes. The database holds the result (two sizes), so every app server can
serve any photo without shared storage; each keeps a file copy in its instance folder and
sends that, with a URL named by the content hash that can be cached for good.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import select

from ..errors import NotFoundError
from ..extensions import db
from ..petitions.models import Photo

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
# A 40-megapixel limit refuses decompression bombs (a tiny file that decodes to gigabytes)
# before any pixel is decoded; no camera photo of a person needs more.
MAX_PIXELS = 40_000_000
MIN_SIDE = 200
SIZES = {"large": 1200, "small": 480}
JPEG_QUALITY = {"large": 85, "small": 80}
SHA256 = re.compile(r"^[0-9a-f]{64}$")
_SRGB = ImageCms.createProfile("sRGB")


class PhotoError(ValueError):
    """The upload is not a photo we can use; the message says why, for the form."""


@dataclass(frozen=True)
class ProcessedPhoto:
    sha256: str
    width: int
    height: int
    large: bytes
    small: bytes


def _to_srgb(image: Image.Image) -> Image.Image:
    """Pixels in sRGB, the space browsers assume once the ICC profile is gone."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=output_mode)
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: keep the pixels as they are
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no transparency, and a transparent corner should not be black."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode(image: Image.Image, size: str) -> bytes:
    copy = image.copy()
    copy.thumbnail((SIZES[size], SIZES[size]), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    # No exif= and no icc_profile= argument: the new file carries no metadata at all.
    copy.save(buffer, "JPEG", quality=JPEG_QUALITY[size], optimize=True, progressive=True)
    return buffer.getvalue()


def process_photo(data: bytes) -> ProcessedPhoto:
    """Check an uploaded file and make the two JPEGs we serve; raises PhotoError."""
    try:
        with warnings.catch_warnings():
            # Pillow warns (rather than refuses) between MAX_IMAGE_PIXELS and twice that;
            # our own limit below is lower, so the warning adds nothing.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                if opened.format not in ACCEPTED_FORMATS:
                    raise PhotoError("Upload a JPEG, PNG or WebP image.")
                width, height = opened.size
                if width * height > MAX_PIXELS:
                    raise PhotoError("The image is too large; 40 megapixels at most.")
                if min(width, height) < MIN_SIDE:
                    raise PhotoError(f"The image is too small; at least {MIN_SIDE} pixels a side.")
                opened.seek(0)  # an animated image: its first frame
                opened.load()
                # Turn the pixels as the camera's orientation tag says, before the tag goes.
                image = ImageOps.exif_transpose(opened)
                image = _flatten(_to_srgb(image))
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError) as exc:
        raise PhotoError("This file is not an image we can read.") from exc
    large = _encode(image, "large")
    small = _encode(image, "small")
    with Image.open(io.BytesIO(large)) as encoded:
        width, height = encoded.size
    return ProcessedPhoto(
        sha256=hashlib.sha256(large).hexdigest(),
        width=width,
        height=height,
        large=large,
        small=small,
    )


def store_photo(processed: ProcessedPhoto, organisation_id: int) -> Photo:
    """The photo row for these bytes: an identical upload reuses the existing row."""
    photo = db.session.scalar(select(Photo).where(Photo.sha256 == processed.sha256))
    if photo is None:
        photo = Photo(
            sha256=processed.sha256,
            organisation_id=organisation_id,
            width=processed.width,
            height=processed.height,
            large=processed.large,
            small=processed.small,
        )
        db.session.add(photo)
        db.session.flush()
    return photo


def photo_folder() -> Path:
    return Path(current_app.instance_path) / "photos"


def photo_file(sha256: str, size: str) -> Path:
    """A local file with the photo's bytes, written from the database on first use."""
    if not SHA256.match(sha256) or size not in SIZES:
        raise NotFoundError("There is no such photo.")
    path = photo_folder() / f"{sha256}-{size}.jpg"
    if path.is_file():
        return path
    column = Photo.large if size == "large" else Photo.small
    data = db.session.scalar(select(column).where(Photo.sha256 == sha256))
    if data is None:
        raise NotFoundError("There is no such photo.")
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside its final name and renamed: a concurrent reader sees all or nothing.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".photo-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)
    return path
