"""ai: the usage record of every LLM call (ai_calls) and admin-set AI quota limits

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 11:00:00.000000
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ai_calls',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('call', sa.String(length=16), nullable=False),
    sa.Column('operation', sa.String(length=80), nullable=False),
    sa.Column('prompt_version', sa.String(length=80), nullable=False),
    sa.Column('tokens_in', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('tokens_out', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('cost_usd', sa.Numeric(precision=14, scale=8), nullable=True),
    sa.Column('first_token_ms', sa.Integer(), nullable=True),
    sa.Column('total_ms', sa.Integer(), nullable=False),
    sa.Column('cache_hit', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('outcome', sa.String(length=24), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('user_id', sa.UUID(), nullable=True),
    sa.Column('api_key_id', sa.UUID(), nullable=True),
    sa.Column('job_id', sa.UUID(), nullable=True),
    sa.Column('ticket_id', sa.UUID(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_calls'))
    )
    op.create_index('ix_ai_calls_created_at', 'ai_calls', ['created_at'], unique=False)
    op.create_index('ix_ai_calls_user_id_created_at', 'ai_calls', ['user_id', 'created_at'], unique=False)
    op.create_index('ix_ai_calls_api_key_id_created_at', 'ai_calls', ['api_key_id', 'created_at'], unique=False)
    op.create_index('ix_ai_calls_provider_created_at', 'ai_calls', ['provider', 'created_at'], unique=False)
    op.create_index('ix_ai_calls_model_created_at', 'ai_calls', ['model', 'created_at'], unique=False)
    op.create_index('ix_ai_calls_operation_created_at', 'ai_calls', ['operation', 'created_at'], unique=False)
    op.create_index('ix_ai_calls_ticket_id', 'ai_calls', ['ticket_id'], unique=False)
    op.create_index('ix_ai_calls_job_id', 'ai_calls', ['job_id'], unique=False)
    op.create_table('ai_quota_limits',
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('requests_per_minute', sa.Integer(), nullable=True),
    sa.Column('tokens_per_day', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("scope IN ('user', 'api_key', 'installation')", name=op.f('ck_ai_quota_limits_scope_known')),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_ai_quota_limits'))
    )


def downgrade() -> None:
    op.drop_table('ai_quota_limits')
    op.drop_table('ai_calls')
