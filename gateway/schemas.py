"""Request bodies of the v1 API (pydantic v2). The CLI reads ``.json`` drafts with them too."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from checks.textmodel import Attachment, Draft

Identifier = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=r"^[^\s]+$")]


class AttachmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    content_type: str = ""
    content_base64: str

    @field_validator("content_base64")
    @classmethod
    def _valid_base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("is not valid base64") from None
        return value

    def to_attachment(self) -> Attachment:
        return Attachment(self.name, self.content_type, base64.b64decode(self.content_base64))


class MetadataIn(BaseModel):
    """Known keys are typed; a CMS may send more, which are kept for the checks to read."""

    model_config = ConfigDict(extra="allow")

    disclosure: str | None = None
    non_disclosure_reason: str | None = None
    doc_type: str | None = None
    doc_number: str | None = None
    issuer: str | None = None
    written_date: str | None = None
    publish_date: str | None = None
    validity: str | None = None
    interpretation_url: str | None = None


class DocumentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Identifier
    revision: Annotated[str, StringConstraints(min_length=1, max_length=64)] = "1"
    url: str = ""
    title: str = ""
    body_html: str = ""
    channel: str = ""
    metadata: MetadataIn = Field(default_factory=MetadataIn)
    attachments: list[AttachmentIn] = Field(default_factory=list)


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    site: Identifier
    document: DocumentIn
    callback_url: str | None = None

    def to_draft(self) -> Draft:
        doc = self.document
        metadata: dict[str, Any] = doc.metadata.model_dump()
        return Draft(
            title=doc.title,
            body_html=doc.body_html,
            channel=doc.channel,
            url=doc.url,
            metadata=metadata,
            attachments=[a.to_attachment() for a in doc.attachments],
            site=self.site,
            document_id=doc.id,
            revision=doc.revision,
        )
