from pathlib import Path

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
ALLOWED_EXTENSIONS = {
    ".pdf", ".png", ".jpg", ".jpeg", ".gif", ".txt", ".md", ".csv", ".docx", ".xlsx", ".pptx",
}  # fmt: skip


def validate_attachment(upload) -> None:
    extension = Path(upload.name).suffix.lower()
    if extension not in ALLOWED_EXTENSIONS:
        raise ValidationError(
            f"“{extension or 'no extension'}” files are not accepted; use one of "
            f"{', '.join(sorted(ALLOWED_EXTENSIONS))}.",
            code="attachment_type",
        )
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            f"The file is {filesizeformat(upload.size)}; the limit is "
            f"{filesizeformat(MAX_ATTACHMENT_BYTES)}.",
            code="attachment_size",
        )
