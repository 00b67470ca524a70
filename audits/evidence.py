"""Photo evidence: checked by content, cleaned of metadata, kept out of the URL space.

A photo is accepted when Pillow recognises it as JPEG, PNG or WebP (whatever its name
or declared type says) and it is no larger than AUDIT_EVIDENCE_MAX_BYTES. It is then
saved again from its pixels alone: EXIF (with any GPS position), XMP and text chunks
do not survive; the EXIF orientation is applied first so the photo stays upright.
Files live under PRIVATE_MEDIA_ROOT/audit-evidence/, which no URL maps to; a view
checks the audit's permissions and streams them.
"""

from __future__ import annotations

import io
import uuid
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

FOLDER = "audit-evidence"
FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}
# Far above any phone camera (200 megapixels); refuses decompression bombs.
MAX_PIXELS = 200_000_000


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int


def evidence_storage() -> FileSystemStorage:
    """Read the setting on each call: tests and deployments point it elsewhere."""
    return FileSystemStorage(location=Path(settings.PRIVATE_MEDIA_ROOT) / FOLDER, base_url=None)


def _refuse_type() -> ValidationError:
    return ValidationError(
        _("This file is not a photo we can take: send a JPEG, PNG or WebP image."),
        code="type",
    )


def clean_image(upload: IO[bytes], *, size: int) -> CleanImage:
    """Check an uploaded file and return it re-encoded without metadata.

    Raises ValidationError with a message for the auditor when the file is too large,
    not an image, or an image in another format.
    """
    limit = settings.AUDIT_EVIDENCE_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("This photo is %(size)s; the largest allowed is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="size",
        )
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            probe = Image.open(upload)
            image_format = probe.format
            probe.verify()
            if image_format not in FORMATS:
                raise _refuse_type()
            upload.seek(0)
            image: Image.Image = Image.open(upload)
            if image.width * image.height > MAX_PIXELS:
                raise _refuse_type()
            image.load()
            image = ImageOps.exif_transpose(image) or image
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,
        ValueError,
    ) as error:
        raise _refuse_type() from error
    content_type, extension = FORMATS[image_format]
    return CleanImage(
        content=_reencode(image, image_format),
        content_type=content_type,
        extension=extension,
        width=image.width,
        height=image.height,
    )


def _reencode(image: Image.Image, image_format: str) -> bytes:
    """The pixels only: a new image carries no info, EXIF, XMP or text chunks."""
    mode = image.mode
    if image_format == "JPEG" and mode not in {"RGB", "L", "CMYK"}:
        image = image.convert("RGB")
    elif image_format == "WEBP" and mode not in {"RGB", "RGBA"}:
        image = image.convert("RGBA" if "A" in mode or "transparency" in image.info else "RGB")
    elif image_format == "PNG" and mode not in {"RGB", "RGBA", "L", "LA", "1", "I", "I;16"}:
        image = image.convert("RGBA")
    bare = Image.new(image.mode, image.size)
    bare.paste(image)
    output = io.BytesIO()
    if image_format == "JPEG":
        bare.save(output, "JPEG", quality=88, optimize=True)
    elif image_format == "WEBP":
        bare.save(output, "WEBP", quality=85)
    else:
        bare.save(output, "PNG", optimize=True)
    return output.getvalue()


def evidence_write(*, audit_id: int, image: CleanImage) -> str:
    """Store the cleaned photo; returns its path relative to the evidence folder."""
    name = f"{audit_id}/{uuid.uuid4().hex}.{image.extension}"
    return evidence_storage().save(name, ContentFile(image.content))


def evidence_open(path: str) -> IO[bytes]:
    return evidence_storage().open(path, "rb")


def evidence_remove(path: str) -> None:
    evidence_storage().delete(path)
