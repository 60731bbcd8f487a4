"""tools: registry, kept manifest versions, encrypted connections, runs

Revision ID: 0013
Revises: 0006
Create Date: 2026-11-26 15:05:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0013'
down_revision = '0007'
branch_labels = None
depends_on = None

_UUID = postgresql.UUID(as_uuid=True)


def _stamps() -> list[sa.Column]:
    return [
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        'tools',
        sa.Column('id', _UUID, primary_key=True),
        sa.Column('name', sa.String(63), nullable=False),
        sa.Column('enabled', sa.Boolean(), server_default=sa.text('true'), nullable=False),
        sa.Column('disabled_reason', sa.String(500), nullable=True),
        sa.Column('consecutive_failures', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('current_version_id', _UUID, nullable=True),
        *_stamps(),
        sa.UniqueConstraint('name', name=op.f('uq_tools_name')),
    )
    op.create_table(
        'tool_versions',
        sa.Column('id', _UUID, primary_key=True),
        sa.Column('tool_id', _UUID, sa.ForeignKey('tools.id', ondelete='CASCADE'), nullable=False),
        sa.Column('version', sa.String(40), nullable=False),
        sa.Column('manifest', postgresql.JSONB(), nullable=False),
        sa.Column('registered_by_id', _UUID, sa.ForeignKey('users.id', ondelete='SET NULL'), nullable=True),
        *_stamps(),
        sa.UniqueConstraint('tool_id', 'version', name=op.f('uq_tool_versions_tool_id_version')),
    )
    op.create_index('ix_tool_versions_tool_created', 'tool_versions', ['tool_id', 'created_at'])
    op.create_foreign_key(
        op.f('fk_tools_current_version_id_tool_versions'), 'tools', 'tool_versions',
        ['current_version_id'], ['id'], ondelete='SET NULL',
    )
    op.create_table(
        'tool_connections',
        sa.Column('id', _UUID, primary_key=True),
        sa.Column('tool_id', _UUID, sa.ForeignKey('tools.id', ondelete='CASCADE'), nullable=False),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('api_key_enc', sa.Text(), nullable=True),
        sa.Column('client_id', sa.String(300), nullable=True),
        sa.Column('client_secret_enc', sa.Text(), nullable=True),
        sa.Column('access_token_enc', sa.Text(), nullable=True),
        sa.Column('refresh_token_enc', sa.Text(), nullable=True),
        sa.Column('expires_at', sa.Float(), nullable=True),
        sa.Column('oauth_state', sa.String(200), nullable=True),
        sa.Column('code_verifier_enc', sa.Text(), nullable=True),
        sa.Column('connected_by_id', _UUID, sa.ForeignKey('users.id', ondelete='SET NULL'), nullable=True),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        *_stamps(),
        sa.UniqueConstraint('tool_id', name=op.f('uq_tool_connections_tool_id')),
    )
    op.create_index('ix_tool_connections_oauth_state', 'tool_connections', ['oauth_state'])
    op.create_table(
        'tool_runs',
        sa.Column('id', _UUID, primary_key=True),
        sa.Column('tool_id', _UUID, sa.ForeignKey('tools.id', ondelete='CASCADE'), nullable=False),
        sa.Column('tool_version_id', _UUID, sa.ForeignKey('tool_versions.id', ondelete='CASCADE'), nullable=False),
        sa.Column('caller_id', _UUID, sa.ForeignKey('users.id', ondelete='SET NULL'), nullable=True),
        sa.Column('ticket_id', _UUID, sa.ForeignKey('tickets.id', ondelete='SET NULL'), nullable=True),
        sa.Column('input', postgresql.JSONB(), nullable=False),
        sa.Column('output', postgresql.JSONB(), nullable=True),
        sa.Column('status', sa.String(20), nullable=False),
        sa.Column('approver_id', _UUID, sa.ForeignKey('users.id', ondelete='SET NULL'), nullable=True),
        sa.Column('error', sa.String(2000), nullable=True),
        sa.Column('duration_ms', sa.Float(), nullable=True),
        sa.Column('bytes_in', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('bytes_out', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('job_id', _UUID, sa.ForeignKey('jobs.id', ondelete='SET NULL'), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        *_stamps(),
        sa.CheckConstraint(
            "status IN ('pending_approval', 'queued', 'running', 'succeeded', 'failed', "
            "'timeout', 'rejected')",
            name=op.f('ck_tool_runs_status_known'),
        ),
    )
    op.create_index('ix_tool_runs_created_id', 'tool_runs', ['created_at', 'id'])
    op.create_index('ix_tool_runs_tool_created', 'tool_runs', ['tool_id', 'created_at'])
    op.create_index('ix_tool_runs_status_created', 'tool_runs', ['status', 'created_at'])
    op.create_index('ix_tool_runs_ticket_created', 'tool_runs', ['ticket_id', 'created_at'])


def downgrade() -> None:
    op.drop_table('tool_runs')
    op.drop_table('tool_connections')
    op.drop_constraint(op.f('fk_tools_current_version_id_tool_versions'), 'tools', type_='foreignkey')
    op.drop_table('tool_versions')
    op.drop_table('tools')
