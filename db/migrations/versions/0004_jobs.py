"""jobs: background jobs, the source of truth behind the broker

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 11:00:00.000000
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('queue', sa.String(length=40), server_default='default', nullable=False),
    sa.Column('args', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='queued', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('max_attempts', sa.Integer(), server_default=sa.text('5'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('progress', sa.Float(), server_default=sa.text('0'), nullable=False),
    sa.Column('progress_message', sa.String(length=300), nullable=True),
    sa.Column('result_ref', sa.String(length=300), nullable=True),
    sa.Column('requested_by_id', sa.UUID(), nullable=True),
    sa.Column('worker', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('run_after', sa.DateTime(timezone=True), nullable=True),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lease_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancel_requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.CheckConstraint("status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'dead')", name=op.f('ck_jobs_status_known')),
    sa.CheckConstraint('progress >= 0 AND progress <= 1', name=op.f('ck_jobs_progress_fraction')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_jobs_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs'))
    )
    op.create_index('ix_jobs_created_id', 'jobs', ['created_at', 'id'], unique=False)
    op.create_index('ix_jobs_status_created', 'jobs', ['status', 'created_at'], unique=False)
    op.create_index('ix_jobs_kind_created', 'jobs', ['kind', 'created_at'], unique=False)
    op.create_index('ix_jobs_requested_by_created', 'jobs', ['requested_by_id', 'created_at'], unique=False)
    op.create_index('ix_jobs_unsent', 'jobs', ['created_at'], unique=False, postgresql_where=sa.text("sent_at IS NULL AND status = 'queued'"))
    op.create_index('ix_jobs_open_lease', 'jobs', ['status', 'lease_expires_at'], unique=False, postgresql_where=sa.text("status IN ('queued', 'running')"))


def downgrade() -> None:
    op.drop_index('ix_jobs_open_lease', table_name='jobs', postgresql_where=sa.text("status IN ('queued', 'running')"))
    op.drop_index('ix_jobs_unsent', table_name='jobs', postgresql_where=sa.text("sent_at IS NULL AND status = 'queued'"))
    op.drop_index('ix_jobs_requested_by_created', table_name='jobs')
    op.drop_index('ix_jobs_kind_created', table_name='jobs')
    op.drop_index('ix_jobs_status_created', table_name='jobs')
    op.drop_index('ix_jobs_created_id', table_name='jobs')
    op.drop_table('jobs')
