"""What an uploaded document must be: a PDF, a JPEG or a PNG, told by its content (its
first bytes and its end), never by its name; not empty and not larger than
``$BANGFU_EVIDENCE_MAX_BYTES``. Anything else is refused with what was found."""

from __future__ import annotations

from core import settings
from core.errors import bad_input

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
_PNG_START = b"\x89PNG\r\n\x1a\n"
_PNG_END = b"IEND\xaeB`\x82"


def media_type(content: bytes) -> str | None:
    """The media type ``content`` is, by its bytes (a complete file: start and end)."""
    if content.startswith(b"%PDF-") and b"%%EOF" in content[-1024:]:
        return PDF
    if content.startswith(b"\xff\xd8\xff") and content.rstrip(b"\x00").endswith(b"\xff\xd9"):
        return JPEG
    if content.startswith(_PNG_START) and content.endswith(_PNG_END):
        return PNG
    return None


def checked_content(content: bytes, limit: int | None = None) -> str:
    """The media type of an acceptable document, or ``BAD_INPUT`` saying why not."""
    limit = limit or int(settings.get("evidence_max_bytes"))
    if not content:
        raise bad_input("the document is empty", "上传的文件为空")
    if len(content) > limit:
        raise bad_input(
            f"the document has {len(content):,} bytes, more than the {limit:,} accepted",
            f"文件大小{len(content) // 1024}KB,超过上限{limit // 1024}KB",
            size=len(content),
            limit=limit,
        )
    found = media_type(content)
    if found is None:
        raise bad_input(
            "the document is not a complete PDF, JPEG or PNG file (told by its content, "
            "not its name)",
            "只接受完整的PDF、JPEG或PNG文件(按文件内容判断,而非文件名)",
        )
    return found
