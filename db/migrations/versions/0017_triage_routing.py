"""AI triage results, the offline triage classifier and routing rules

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26 17:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ticket_triage',
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('ticket_id', sa.UUID(), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('model_version', sa.String(length=200), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('sentiment', sa.String(length=16), nullable=False),
    sa.Column('sentiment_score', sa.Float(), nullable=False),
    sa.Column('pii_kinds', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'"), nullable=False),
    sa.Column('priority', sa.String(length=16), nullable=True),
    sa.Column('team_label', sa.String(length=100), nullable=True),
    sa.Column('team_id', sa.UUID(), nullable=True),
    sa.Column('tags', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'"), nullable=False),
    sa.Column('scores', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('rejected', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('rules_applied', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'"), nullable=False),
    sa.Column('assigned_user_id', sa.UUID(), nullable=True),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('job_id', sa.UUID(), nullable=True),
    sa.CheckConstraint("source IN ('offline', 'llm')", name=op.f('ck_ticket_triage_source_known')),
    sa.CheckConstraint("sentiment IN ('negative', 'neutral', 'positive')", name=op.f('ck_ticket_triage_sentiment_known')),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_triage_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_ticket_triage_team_id_teams'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['assigned_user_id'], ['users.id'], name=op.f('fk_ticket_triage_assigned_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('ticket_id', name=op.f('pk_ticket_triage'))
    )
    op.create_table('triage_models',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('embedder', sa.String(length=200), nullable=False),
    sa.Column('labels', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('weights', sa.LargeBinary(), nullable=False),
    sa.Column('shipped_examples', sa.Integer(), nullable=False),
    sa.Column('ticket_examples', sa.Integer(), nullable=False),
    sa.Column('fit', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_models'))
    )
    op.create_index('ix_triage_models_version', 'triage_models', ['version'], unique=True)
    op.create_table('routing_rules',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('enabled', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('conditions', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('set_team_id', sa.UUID(), nullable=True),
    sa.Column('set_priority', sa.String(length=16), nullable=True),
    sa.Column('set_assignee_id', sa.UUID(), nullable=True),
    sa.Column('add_tags', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'[]'"), nullable=False),
    sa.Column('stop_processing', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.CheckConstraint("set_priority IS NULL OR set_priority IN ('low', 'normal', 'high', 'urgent')", name=op.f('ck_routing_rules_priority_known')),
    sa.ForeignKeyConstraint(['set_team_id'], ['teams.id'], name=op.f('fk_routing_rules_set_team_id_teams'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['set_assignee_id'], ['users.id'], name=op.f('fk_routing_rules_set_assignee_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rules'))
    )
    op.create_index('ix_routing_rules_position', 'routing_rules', ['position', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_routing_rules_position', table_name='routing_rules')
    op.drop_table('routing_rules')
    op.drop_index('ix_triage_models_version', table_name='triage_models')
    op.drop_table('triage_models')
    op.drop_table('ticket_triage')
