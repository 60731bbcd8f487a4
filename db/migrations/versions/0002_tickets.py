"""tickets: teams, SLA policies, tickets, followers, messages, attachments, feedback

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 09:00:00.000000
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

# Default targets (minutes) per priority; admins change them with updateSlaPolicy.
SLA_DEFAULTS = [
    ('urgent', 60, 4 * 60),
    ('high', 4 * 60, 24 * 60),
    ('normal', 8 * 60, 3 * 24 * 60),
    ('low', 24 * 60, 7 * 24 * 60),
]


def upgrade() -> None:
    op.create_table('sla_policies',
    sa.Column('priority', sa.String(length=16), nullable=False),
    sa.Column('first_response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('priority', name=op.f('pk_sla_policies'))
    )
    op.create_table('teams',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), server_default='', nullable=False),
    sa.Column('last_assigned_user_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['last_assigned_user_id'], ['users.id'], name=op.f('fk_teams_last_assigned_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_teams')),
    sa.UniqueConstraint('name', name=op.f('uq_teams_name'))
    )
    op.create_table('team_members',
    sa.Column('team_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('ticket_capacity', sa.Integer(), server_default=sa.text('20'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('ticket_capacity >= 0', name=op.f('ck_team_members_capacity_non_negative')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_members_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_team_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'user_id', name=op.f('pk_team_members'))
    )
    op.create_index('ix_team_members_user_id', 'team_members', ['user_id'], unique=False)
    op.create_table('tickets',
    sa.Column('number', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('requester_id', sa.UUID(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='new', nullable=False),
    sa.Column('priority', sa.String(length=16), server_default='normal', nullable=False),
    sa.Column('priority_rank', sa.SmallInteger(), sa.Computed("CASE priority WHEN 'low' THEN 1 WHEN 'normal' THEN 2 WHEN 'high' THEN 3 WHEN 'urgent' THEN 4 ELSE 0 END", persisted=True), nullable=False),
    sa.Column('channel', sa.String(length=16), server_default='web', nullable=False),
    sa.Column('assignee_id', sa.UUID(), nullable=True),
    sa.Column('team_id', sa.UUID(), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=50)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('custom_fields', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('first_response_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_responded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('solved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('merged_into_id', sa.UUID(), nullable=True),
    sa.Column('last_message_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search_vector', postgresql.TSVECTOR(), sa.Computed("to_tsvector('simple', coalesce(subject, ''))", persisted=True), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['users.id'], name=op.f('fk_tickets_assignee_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_tickets_customer_id_customers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['merged_into_id'], ['tickets.id'], name=op.f('fk_tickets_merged_into_id_tickets'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_tickets_requester_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_tickets_team_id_teams'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('number', name=op.f('uq_tickets_number'))
    )
    op.create_index('ix_tickets_assignee_id', 'tickets', ['assignee_id', 'status'], unique=False)
    op.create_index('ix_tickets_channel', 'tickets', ['channel'], unique=False)
    op.create_index('ix_tickets_created_id', 'tickets', ['created_at', 'id'], unique=False)
    op.create_index('ix_tickets_customer_id', 'tickets', ['customer_id', 'created_at'], unique=False)
    op.create_index('ix_tickets_first_response_due', 'tickets', ['first_response_due_at'], unique=False)
    op.create_index('ix_tickets_merged_into_id', 'tickets', ['merged_into_id'], unique=False)
    op.create_index('ix_tickets_priority_rank_id', 'tickets', ['priority_rank', 'id'], unique=False)
    op.create_index('ix_tickets_requester_id', 'tickets', ['requester_id'], unique=False)
    op.create_index('ix_tickets_resolution_due', 'tickets', ['resolution_due_at'], unique=False)
    op.create_index('ix_tickets_first_responded_at', 'tickets', ['first_responded_at'], unique=False)
    op.create_index('ix_tickets_solved_at', 'tickets', ['solved_at'], unique=False)
    op.create_index('ix_tickets_search_vector', 'tickets', ['search_vector'], unique=False, postgresql_using='gin')
    op.create_index('ix_tickets_status', 'tickets', ['status'], unique=False)
    op.create_index('ix_tickets_tags', 'tickets', ['tags'], unique=False, postgresql_using='gin')
    op.create_index('ix_tickets_team_id', 'tickets', ['team_id'], unique=False)
    op.create_index('ix_tickets_updated_id', 'tickets', ['updated_at', 'id'], unique=False)
    op.create_table('ticket_feedback',
    sa.Column('ticket_id', sa.UUID(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), server_default='', nullable=False),
    sa.Column('customer_user_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_ticket_feedback_rating_range')),
    sa.ForeignKeyConstraint(['customer_user_id'], ['users.id'], name=op.f('fk_ticket_feedback_customer_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_feedback_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_feedback')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_ticket_feedback_ticket_id'))
    )
    op.create_index('ix_ticket_feedback_created_id', 'ticket_feedback', ['created_at', 'id'], unique=False)
    op.create_table('ticket_followers',
    sa.Column('ticket_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_followers_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_ticket_followers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'user_id', name=op.f('pk_ticket_followers'))
    )
    op.create_index('ix_ticket_followers_user_id', 'ticket_followers', ['user_id'], unique=False)
    op.create_table('ticket_messages',
    sa.Column('ticket_id', sa.UUID(), nullable=False),
    sa.Column('author_user_id', sa.UUID(), nullable=True),
    sa.Column('author_kind', sa.String(length=16), nullable=False),
    sa.Column('visibility', sa.String(length=16), server_default='public', nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('search_vector', postgresql.TSVECTOR(), sa.Computed("to_tsvector('simple', coalesce(body_text, ''))", persisted=True), nullable=False),
    sa.Column('in_reply_to_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_ticket_messages_author_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['in_reply_to_id'], ['ticket_messages.id'], name=op.f('fk_ticket_messages_in_reply_to_id_ticket_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_messages_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_messages'))
    )
    op.create_index('ix_ticket_messages_author_user_id', 'ticket_messages', ['author_user_id'], unique=False)
    op.create_index('ix_ticket_messages_search_vector', 'ticket_messages', ['search_vector'], unique=False, postgresql_using='gin')
    op.create_index('ix_ticket_messages_ticket_created', 'ticket_messages', ['ticket_id', 'created_at', 'id'], unique=False)
    op.create_table('attachments',
    sa.Column('ticket_id', sa.UUID(), nullable=False),
    sa.Column('message_id', sa.UUID(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=200), nullable=False),
    sa.Column('size_bytes', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('storage_key', sa.String(length=500), nullable=False),
    sa.Column('uploaded_by_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['ticket_messages.id'], name=op.f('fk_attachments_message_id_ticket_messages'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_attachments_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    op.create_index('ix_attachments_message_id', 'attachments', ['message_id'], unique=False)
    op.create_index('ix_attachments_sha256', 'attachments', ['sha256'], unique=False)
    op.create_index('ix_attachments_ticket_id', 'attachments', ['ticket_id', 'created_at'], unique=False)
    op.create_table('ticket_message_revisions',
    sa.Column('message_id', sa.UUID(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('edited_by_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['edited_by_id'], ['users.id'], name=op.f('fk_ticket_message_revisions_edited_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['message_id'], ['ticket_messages.id'], name=op.f('fk_ticket_message_revisions_message_id_ticket_messages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_message_revisions'))
    )
    op.create_index('ix_ticket_message_revisions_message', 'ticket_message_revisions', ['message_id', 'created_at'], unique=False)

    sla = sa.table(
        'sla_policies',
        sa.column('priority', sa.String),
        sa.column('first_response_minutes', sa.Integer),
        sa.column('resolution_minutes', sa.Integer),
    )
    op.bulk_insert(sla, [
        {'priority': p, 'first_response_minutes': f, 'resolution_minutes': r}
        for p, f, r in SLA_DEFAULTS
    ])


def downgrade() -> None:
    op.drop_index('ix_ticket_message_revisions_message', table_name='ticket_message_revisions')
    op.drop_table('ticket_message_revisions')
    op.drop_index('ix_attachments_ticket_id', table_name='attachments')
    op.drop_index('ix_attachments_sha256', table_name='attachments')
    op.drop_index('ix_attachments_message_id', table_name='attachments')
    op.drop_table('attachments')
    op.drop_index('ix_ticket_messages_ticket_created', table_name='ticket_messages')
    op.drop_index('ix_ticket_messages_search_vector', table_name='ticket_messages', postgresql_using='gin')
    op.drop_index('ix_ticket_messages_author_user_id', table_name='ticket_messages')
    op.drop_table('ticket_messages')
    op.drop_index('ix_ticket_followers_user_id', table_name='ticket_followers')
    op.drop_table('ticket_followers')
    op.drop_index('ix_ticket_feedback_created_id', table_name='ticket_feedback')
    op.drop_table('ticket_feedback')
    op.drop_index('ix_tickets_updated_id', table_name='tickets')
    op.drop_index('ix_tickets_team_id', table_name='tickets')
    op.drop_index('ix_tickets_tags', table_name='tickets', postgresql_using='gin')
    op.drop_index('ix_tickets_status', table_name='tickets')
    op.drop_index('ix_tickets_search_vector', table_name='tickets', postgresql_using='gin')
    op.drop_index('ix_tickets_resolution_due', table_name='tickets')
    op.drop_index('ix_tickets_first_responded_at', table_name='tickets')
    op.drop_index('ix_tickets_solved_at', table_name='tickets')
    op.drop_index('ix_tickets_requester_id', table_name='tickets')
    op.drop_index('ix_tickets_priority_rank_id', table_name='tickets')
    op.drop_index('ix_tickets_merged_into_id', table_name='tickets')
    op.drop_index('ix_tickets_first_response_due', table_name='tickets')
    op.drop_index('ix_tickets_customer_id', table_name='tickets')
    op.drop_index('ix_tickets_created_id', table_name='tickets')
    op.drop_index('ix_tickets_channel', table_name='tickets')
    op.drop_index('ix_tickets_assignee_id', table_name='tickets')
    op.drop_table('tickets')
    op.drop_index('ix_team_members_user_id', table_name='team_members')
    op.drop_table('team_members')
    op.drop_table('teams')
    op.drop_table('sla_policies')
