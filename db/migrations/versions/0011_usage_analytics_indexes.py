"""usage analytics: indexes for the time filters of usageAnalytics

Revision ID: 0011
Revises: 0005
Create Date: 2026-11-26 14:00:00.000000
"""

from __future__ import annotations

from alembic import op

revision = '0011'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_auth_sessions_created_at', 'auth_sessions', ['created_at'])
    op.create_index('ix_auth_sessions_last_used_at', 'auth_sessions', ['last_used_at'])
    op.create_index('ix_api_keys_last_used_at', 'api_keys', ['last_used_at'])


def downgrade() -> None:
    op.drop_index('ix_api_keys_last_used_at', table_name='api_keys')
    op.drop_index('ix_auth_sessions_last_used_at', table_name='auth_sessions')
    op.drop_index('ix_auth_sessions_created_at', table_name='auth_sessions')
