"""Background jobs: the table is the source of truth, the broker only carries a job's id.

A row is written in the transaction of the request that causes it; the message is sent
after commit, and `sent_at IS NULL` marks what a relay must still send after a crash.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UUIDPrimaryKey, utcnow

__all__ = ["JOB_STATUSES", "Job"]

JOB_STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "dead")


class Job(UUIDPrimaryKey, Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead')",
            name="status_known",
        ),
        CheckConstraint("progress >= 0 AND progress <= 1", name="progress_fraction"),
        # jobs(filter): newest first, optionally by status, kind or requester.
        Index("ix_jobs_created_id", "created_at", "id"),
        Index("ix_jobs_status_created", "status", "created_at"),
        Index("ix_jobs_kind_created", "kind", "created_at"),
        Index("ix_jobs_requested_by_created", "requested_by_id", "created_at"),
        # The relay's scans: committed but never sent, and leases that may have run out.
        Index(
            "ix_jobs_unsent",
            "created_at",
            postgresql_where=text("sent_at IS NULL AND status = 'queued'"),
        ),
        Index(
            "ix_jobs_open_lease",
            "status",
            "lease_expires_at",
            postgresql_where=text("status IN ('queued', 'running')"),
        ),
    )

    kind: Mapped[str] = mapped_column(String(60))
    queue: Mapped[str] = mapped_column(String(40), default="default", server_default="default")
    args: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'"))
    status: Mapped[str] = mapped_column(String(16), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    max_attempts: Mapped[int] = mapped_column(default=5, server_default=text("5"))
    last_error: Mapped[str | None] = mapped_column(Text)
    progress: Mapped[float] = mapped_column(default=0.0, server_default=text("0"))
    progress_message: Mapped[str | None] = mapped_column(String(300))
    result_ref: Mapped[str | None] = mapped_column(String(300))
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(
        UUID(as_uuid=True), ForeignKey("users.id", ondelete="SET NULL")
    )
    # Which worker holds the lease (host:pid), for admins reading a stuck job.
    worker: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), default=utcnow)
    # NULL until the message went to the broker after commit: the relay's "not yet sent".
    sent_at: Mapped[datetime | None]
    # Earliest start (a retry's backoff); NULL = at once.
    run_after: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # A running job's worker renews this; once it has passed, the worker is taken for dead.
    lease_expires_at: Mapped[datetime | None]
    cancel_requested_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), default=utcnow, onupdate=utcnow
    )
