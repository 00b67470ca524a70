"""Photo evidence: images only (checked by content), size-limited, location metadata
stripped, stored outside MEDIA, served only to those allowed to see the audit."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audits import services
from audits.models import AuditItem, Evidence

from .conftest import items_by_key
from .test_submission import submit_all

GPS_TAG = 0x8825


def photo_bytes(image_format: str = "JPEG", *, with_gps: bool = False, size=(40, 30)) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    output = io.BytesIO()
    if with_gps:
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif.get_ifd(GPS_TAG).update({1: "N", 2: (55.0, 45.0, 21.0), 3: "E", 4: (37.0, 37.0, 4.0)})
        image.save(output, image_format, exif=exif.tobytes())
    else:
        image.save(output, image_format)
    return output.getvalue()


def upload(auditor_client, audit, item_id, content: bytes, name="photo.jpg", *, htmx=True):
    return auditor_client.post(
        reverse("audits:evidence_upload", args=[audit.pk, item_id]),
        {f"photo-{item_id}": SimpleUploadedFile(name, content, content_type="image/jpeg")},
        **({"HTTP_HX_REQUEST": "true"} if htmx else {}),
    )


@pytest.fixture
def item_id(audit, book) -> int:
    return items_by_key(audit, book)["rings"]


def test_a_jpeg_is_kept_without_its_gps_position(audit, item_id, auditor_client, settings):
    original = photo_bytes(with_gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_TAG)  # the test photo has GPS
    response = upload(auditor_client, audit, item_id, original)
    assert response.status_code == 200
    evidence = Evidence.objects.get()
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / "audit-evidence" / evidence.path
    assert stored.exists()
    assert not str(stored).startswith(str(settings.MEDIA_ROOT))
    kept = Image.open(stored)
    assert kept.format == "JPEG"
    assert not kept.getexif().get_ifd(GPS_TAG)
    assert not kept.getexif()
    assert b"PhoneMaker" not in stored.read_bytes()
    assert evidence.content_type == "image/jpeg"
    assert f'id="photos-{item_id}"' in response.text


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_png_and_webp_are_accepted(audit, item_id, auditor_client, image_format):
    response = upload(auditor_client, audit, item_id, photo_bytes(image_format), name="x.bin")
    assert response.status_code == 200
    assert Evidence.objects.get().content_type == f"image/{image_format.lower()}"


def test_the_type_is_judged_by_content_not_by_name(audit, item_id, auditor_client):
    response = upload(auditor_client, audit, item_id, b"<html>not a photo</html>", name="a.jpg")
    assert response.status_code == 422
    assert "JPEG, PNG or WebP" in response.text
    gif = io.BytesIO()
    Image.new("RGB", (5, 5)).save(gif, "GIF")
    response = upload(auditor_client, audit, item_id, gif.getvalue(), name="b.png")
    assert response.status_code == 422
    assert not Evidence.objects.exists()


def test_an_oversize_photo_is_refused_with_a_clear_message(
    audit, item_id, auditor_client, settings
):
    settings.AUDIT_EVIDENCE_MAX_BYTES = 1000
    response = upload(auditor_client, audit, item_id, photo_bytes(size=(400, 400)) + b"\0" * 2000)
    assert response.status_code == 422
    assert "the largest allowed is" in response.text
    assert not Evidence.objects.exists()


def test_a_bad_file_in_the_whole_form_keeps_the_answers(audit, book, auditor_client):
    items = items_by_key(audit, book)
    response = auditor_client.post(
        reverse("audits:save", args=[audit.pk]),
        {
            f"answer-{items['rings']}": "no",
            f"comment-{items['rings']}": "Rang eight times.",
            f"photo-{items['rings']}": SimpleUploadedFile("x.jpg", b"plain text"),
        },
    )
    assert response.status_code == 422
    assert "JPEG, PNG or WebP" in response.text
    assert "Rang eight times." in response.text
    item = AuditItem.objects.get(pk=items["rings"])
    assert (item.answer, item.comment) == ("no", "Rang eight times.")


def test_the_photo_is_served_to_the_auditor_and_the_manager_only(
    audit,
    item_id,
    auditor_client,
    manager_client,
    sales_manager_client,
    outsider_client,
    staff_client,
):
    upload(auditor_client, audit, item_id, photo_bytes())
    evidence = Evidence.objects.get()
    url = reverse("audits:evidence", args=[audit.pk, evidence.pk])
    response = auditor_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert manager_client.get(url).status_code == 200
    assert sales_manager_client.get(url).status_code == 200
    assert outsider_client.get(url).status_code == 403
    # Staff see no draft; even the final audit shows them only their own steps' photos.
    assert staff_client.get(url).status_code == 404


def test_staff_see_photos_of_their_own_steps_once_final(
    audit, book, auditor_client, staff_client, manager
):
    items = items_by_key(audit, book)
    upload(auditor_client, audit, items["rings"], photo_bytes())  # the receptionist's step
    upload(auditor_client, audit, items["budget"], photo_bytes())  # the staff member's step
    submit_all(auditor_client, audit)
    audit.refresh_from_db()
    services.audit_finalize(actor=manager.user, audit=audit)
    theirs = Evidence.objects.get(item_id=items["budget"])
    others = Evidence.objects.get(item_id=items["rings"])
    assert (
        staff_client.get(reverse("audits:evidence", args=[audit.pk, theirs.pk])).status_code == 200
    )
    assert (
        staff_client.get(reverse("audits:evidence", args=[audit.pk, others.pk])).status_code == 404
    )
    # The auditor's access ends with the submission.
    assert (
        auditor_client.get(reverse("audits:evidence", args=[audit.pk, theirs.pk])).status_code
        == 404
    )


def test_removing_a_photo_deletes_the_file(
    audit, item_id, auditor_client, settings, django_capture_on_commit_callbacks
):
    upload(auditor_client, audit, item_id, photo_bytes())
    evidence = Evidence.objects.get()
    stored = Path(settings.PRIVATE_MEDIA_ROOT) / "audit-evidence" / evidence.path
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = auditor_client.post(
            reverse("audits:save", args=[audit.pk]), {"delete_photo": str(evidence.pk)}
        )
    assert response.status_code == 302
    assert not Evidence.objects.exists()
    assert not stored.exists()
