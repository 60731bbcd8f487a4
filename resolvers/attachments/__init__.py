"""Attachments: files on tickets and messages, stored in the blob store (db/blobs.py)."""

from __future__ import annotations

from resolvers.attachments.access import can_see_attachment, visible_attachments
from resolvers.attachments.download import Download, DownloadRefused, download_url, open_download
from resolvers.attachments.link import MAX_ATTACHMENTS_PER_MESSAGE, link_attachments
from resolvers.attachments.queries import AttachmentCriteria, AttachmentSort, attachments_page
from resolvers.attachments.upload import delete_attachment, upload_attachment

__all__ = [
    "MAX_ATTACHMENTS_PER_MESSAGE",
    "AttachmentCriteria",
    "AttachmentSort",
    "Download",
    "DownloadRefused",
    "attachments_page",
    "can_see_attachment",
    "delete_attachment",
    "download_url",
    "link_attachments",
    "open_download",
    "upload_attachment",
    "visible_attachments",
]
