"""AI reply suggestions and their versions

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 16:30:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ai_suggestions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('ticket_id', sa.UUID(), nullable=False),
    sa.Column('job_id', sa.UUID(), nullable=True),
    sa.Column('requested_by_id', sa.UUID(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('confidence', sa.Float(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('sources', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('citations', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('validation_passed', sa.Boolean(), nullable=False),
    sa.Column('validation_reasons', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('groundedness', sa.Float(), nullable=False),
    sa.Column('citation_coverage', sa.Float(), nullable=False),
    sa.Column('provider', sa.String(length=40), nullable=False),
    sa.Column('model', sa.String(length=200), nullable=False),
    sa.Column('prompt_version', sa.String(length=80), nullable=False),
    sa.Column('pipeline_version', sa.String(length=40), nullable=False),
    sa.Column('timings_ms', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('current_version', sa.Integer(), server_default=sa.text('1'), nullable=False),
    sa.Column('decided_by_id', sa.UUID(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reject_reason', sa.String(length=1000), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rated_by_id', sa.UUID(), nullable=True),
    sa.Column('edit_distance', sa.Integer(), nullable=True),
    sa.Column('message_id', sa.UUID(), nullable=True),
    sa.Column('needs_review', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('compare_group_id', sa.UUID(), nullable=True),
    sa.Column('best_in_group', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.CheckConstraint("status IN ('ready', 'invalid', 'accepted', 'rejected', 'auto_sent', 'superseded')", name=op.f('ck_ai_suggestions_status_known')),
    sa.CheckConstraint("action IN ('REPLY', 'ASK_CLARIFYING', 'ESCALATE')", name=op.f('ck_ai_suggestions_action_known')),
    sa.CheckConstraint('rating IS NULL OR rating IN (-1, 1)', name=op.f('ck_ai_suggestions_rating_thumb')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ai_suggestions_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_ai_suggestions_requested_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_ai_suggestions_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rated_by_id'], ['users.id'], name=op.f('fk_ai_suggestions_rated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['ticket_messages.id'], name=op.f('fk_ai_suggestions_message_id_ticket_messages'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_suggestions'))
    )
    op.create_index('ix_ai_suggestions_ticket_created', 'ai_suggestions', ['ticket_id', 'created_at'], unique=False)
    op.create_index('ix_ai_suggestions_created_at', 'ai_suggestions', ['created_at'], unique=False)
    op.create_index('ix_ai_suggestions_compare_group', 'ai_suggestions', ['compare_group_id'], unique=False)
    op.create_index('ix_ai_suggestions_needs_review', 'ai_suggestions', ['needs_review', 'created_at'], unique=False)
    op.create_table('ai_suggestion_versions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('suggestion_id', sa.UUID(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('author_id', sa.UUID(), nullable=True),
    sa.Column('diff', sa.Text(), server_default=sa.text("''"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['suggestion_id'], ['ai_suggestions.id'], name=op.f('fk_ai_suggestion_versions_suggestion_id_ai_suggestions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_ai_suggestion_versions_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ai_suggestion_versions')),
    sa.UniqueConstraint('suggestion_id', 'number', name=op.f('uq_ai_suggestion_versions_suggestion_id_number'))
    )


def downgrade() -> None:
    op.drop_table('ai_suggestion_versions')
    op.drop_index('ix_ai_suggestions_needs_review', table_name='ai_suggestions')
    op.drop_index('ix_ai_suggestions_compare_group', table_name='ai_suggestions')
    op.drop_index('ix_ai_suggestions_created_at', table_name='ai_suggestions')
    op.drop_index('ix_ai_suggestions_ticket_created', table_name='ai_suggestions')
    op.drop_table('ai_suggestions')
