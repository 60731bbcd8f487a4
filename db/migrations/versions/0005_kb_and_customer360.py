"""knowledge base and customer 360 tables

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 13:31:01.018463
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
import pgvector.sqlalchemy
from sqlalchemy.dialects import postgresql

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organizations',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('domains', postgresql.ARRAY(sa.String(length=253)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=50)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('custom_fields', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations'))
    )
    op.create_index('ix_organizations_created_id', 'organizations', ['created_at', 'id'], unique=False)
    op.create_index('ix_organizations_deleted_at', 'organizations', ['deleted_at'], unique=False)
    op.create_index('ix_organizations_domains', 'organizations', ['domains'], unique=False, postgresql_using='gin')
    op.create_index('ix_organizations_name_id', 'organizations', [sa.literal_column('lower(name)'), 'id'], unique=False)
    op.create_index('ix_organizations_tags', 'organizations', ['tags'], unique=False, postgresql_using='gin')
    op.create_table('customer_notes',
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('author_id', sa.UUID(), nullable=True),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('pinned', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_customer_notes_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_notes_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_notes'))
    )
    op.create_index('ix_customer_notes_customer', 'customer_notes', ['customer_id', 'pinned', 'created_at', 'id'], unique=False)
    op.create_table('customer_segments',
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('filter', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('owner_id', sa.UUID(), nullable=True),
    sa.Column('shared', sa.Boolean(), server_default=sa.text('false'), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_customer_segments_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_segments'))
    )
    op.create_index('ix_customer_segments_owner', 'customer_segments', ['owner_id', 'name'], unique=False)
    op.create_table('kb_articles',
    sa.Column('category', sa.String(length=100), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=50)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('locale', sa.String(length=16), server_default='en', nullable=False),
    sa.Column('audience', sa.String(length=16), server_default='public', nullable=False),
    sa.Column('author_id', sa.UUID(), nullable=True),
    sa.Column('owner_id', sa.UUID(), nullable=True),
    sa.Column('published_version_id', sa.UUID(), nullable=True),
    sa.Column('latest_version_id', sa.UUID(), nullable=True),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("audience IN ('public', 'internal')", name=op.f('ck_kb_articles_audience_known')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_kb_articles_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_kb_articles_owner_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_articles'))
    )
    op.create_index('ix_kb_articles_category', 'kb_articles', ['category'], unique=False)
    op.create_index('ix_kb_articles_locale', 'kb_articles', ['locale'], unique=False)
    op.create_index('ix_kb_articles_owner', 'kb_articles', ['owner_id'], unique=False)
    op.create_index('ix_kb_articles_published_version', 'kb_articles', ['published_version_id'], unique=False)
    op.create_index('ix_kb_articles_tags', 'kb_articles', ['tags'], unique=False, postgresql_using='gin')
    op.create_index('ix_kb_articles_updated_id', 'kb_articles', ['updated_at', 'id'], unique=False)
    op.create_table('customer_note_revisions',
    sa.Column('note_id', sa.UUID(), nullable=False),
    sa.Column('editor_id', sa.UUID(), nullable=True),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('pinned', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_customer_note_revisions_editor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['note_id'], ['customer_notes.id'], name=op.f('fk_customer_note_revisions_note_id_customer_notes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_note_revisions'))
    )
    op.create_index('ix_customer_note_revisions_note', 'customer_note_revisions', ['note_id', 'created_at'], unique=False)
    op.create_table('kb_article_versions',
    sa.Column('article_id', sa.UUID(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('based_on_version_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('summary', sa.String(length=500), server_default='', nullable=False),
    sa.Column('state', sa.String(length=20), server_default='draft', nullable=False),
    sa.Column('created_by_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reviewed_by_id', sa.UUID(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_comment', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source_sha256', sa.String(length=64), nullable=True),
    sa.Column('source_filename', sa.String(length=255), nullable=True),
    sa.Column('source_storage_key', sa.String(length=500), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.CheckConstraint("state IN ('draft', 'in_review', 'changes_requested', 'published', 'superseded', 'archived')", name=op.f('ck_kb_article_versions_state_known')),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_versions_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['based_on_version_id'], ['kb_article_versions.id'], name=op.f('fk_kb_article_versions_based_on_version_id_kb_article_versions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_kb_article_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['users.id'], name=op.f('fk_kb_article_versions_reviewed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_article_versions')),
    sa.UniqueConstraint('article_id', 'number', name=op.f('uq_kb_article_versions_article_id_number'))
    )
    op.create_index('ix_kb_article_versions_source_sha256', 'kb_article_versions', ['article_id', 'source_sha256'], unique=False)
    op.create_index('ix_kb_article_versions_state', 'kb_article_versions', ['state', 'created_at'], unique=False)
    # kb_articles and kb_article_versions point at each other: these two come last.
    op.create_foreign_key(op.f('fk_kb_articles_published_version_id_kb_article_versions'), 'kb_articles', 'kb_article_versions', ['published_version_id'], ['id'], ondelete='SET NULL')
    op.create_foreign_key(op.f('fk_kb_articles_latest_version_id_kb_article_versions'), 'kb_articles', 'kb_article_versions', ['latest_version_id'], ['id'], ondelete='SET NULL')
    op.create_table('interactions',
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('direction', sa.String(length=16), nullable=False),
    sa.Column('channel', sa.String(length=50), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_html', sa.Text(), server_default='', nullable=False),
    sa.Column('body_text', sa.Text(), server_default='', nullable=False),
    sa.Column('internal', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('ticket_id', sa.UUID(), nullable=True),
    sa.Column('author_id', sa.UUID(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('deleted_by_id', sa.UUID(), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("direction IN ('inbound', 'outbound')", name=op.f('ck_interactions_direction_known')),
    sa.CheckConstraint("type IN ('call', 'meeting', 'email', 'chat', 'visit', 'other')", name=op.f('ck_interactions_type_known')),
    sa.CheckConstraint('duration_seconds IS NULL OR duration_seconds >= 0', name=op.f('ck_interactions_duration')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_interactions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_interactions_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['deleted_by_id'], ['users.id'], name=op.f('fk_interactions_deleted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_interactions_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interactions'))
    )
    op.create_index('ix_interactions_author', 'interactions', ['author_id'], unique=False)
    op.create_index('ix_interactions_customer_occurred', 'interactions', ['customer_id', 'occurred_at', 'id'], unique=False)
    op.create_index('ix_interactions_occurred', 'interactions', ['occurred_at'], unique=False)
    op.create_index('ix_interactions_ticket', 'interactions', ['ticket_id'], unique=False)
    op.create_index('ix_interactions_type_occurred', 'interactions', ['type', 'occurred_at'], unique=False)
    op.create_table('kb_chunks',
    sa.Column('article_version_id', sa.UUID(), nullable=False),
    sa.Column('article_id', sa.UUID(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('heading_path', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('token_count', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('search_vector', postgresql.TSVECTOR(), server_default=sa.text("''::tsvector"), nullable=False),
    sa.Column('embedding', pgvector.sqlalchemy.vector.VECTOR(dim=384), nullable=True),
    sa.Column('embedding_model', sa.String(length=120), nullable=True),
    sa.Column('embedded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_chunks_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['article_version_id'], ['kb_article_versions.id'], name=op.f('fk_kb_chunks_article_version_id_kb_article_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_chunks')),
    sa.UniqueConstraint('article_version_id', 'position', name=op.f('uq_kb_chunks_article_version_id_position'))
    )
    op.create_index('ix_kb_chunks_article', 'kb_chunks', ['article_id'], unique=False)
    op.create_index('ix_kb_chunks_embedding_hnsw', 'kb_chunks', ['embedding'], unique=False, postgresql_using='hnsw', postgresql_ops={'embedding': 'vector_cosine_ops'})
    op.create_index('ix_kb_chunks_embedding_model', 'kb_chunks', ['embedding_model'], unique=False)
    op.create_index('ix_kb_chunks_search_vector', 'kb_chunks', ['search_vector'], unique=False, postgresql_using='gin')
    op.create_table('interaction_participants',
    sa.Column('interaction_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_interaction_participants_interaction_id_interactions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_interaction_participants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('interaction_id', 'user_id', name=op.f('pk_interaction_participants'))
    )
    op.create_index('ix_interaction_participants_user', 'interaction_participants', ['user_id'], unique=False)
    op.create_table('interaction_revisions',
    sa.Column('interaction_id', sa.UUID(), nullable=False),
    sa.Column('editor_id', sa.UUID(), nullable=True),
    sa.Column('previous', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_interaction_revisions_editor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['interaction_id'], ['interactions.id'], name=op.f('fk_interaction_revisions_interaction_id_interactions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_interaction_revisions'))
    )
    op.create_index('ix_interaction_revisions_interaction', 'interaction_revisions', ['interaction_id', 'created_at'], unique=False)
    op.add_column('customers', sa.Column('organization_id', sa.UUID(), nullable=True))
    op.create_index('ix_customers_organization', 'customers', ['organization_id'], unique=False)
    op.create_foreign_key(op.f('fk_customers_organization_id_organizations'), 'customers', 'organizations', ['organization_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    op.drop_constraint(op.f('fk_customers_organization_id_organizations'), 'customers', type_='foreignkey')
    op.drop_index('ix_customers_organization', table_name='customers')
    op.drop_column('customers', 'organization_id')
    op.drop_index('ix_interaction_revisions_interaction', table_name='interaction_revisions')
    op.drop_table('interaction_revisions')
    op.drop_index('ix_interaction_participants_user', table_name='interaction_participants')
    op.drop_table('interaction_participants')
    op.drop_index('ix_kb_chunks_search_vector', table_name='kb_chunks', postgresql_using='gin')
    op.drop_index('ix_kb_chunks_embedding_model', table_name='kb_chunks')
    op.drop_index('ix_kb_chunks_embedding_hnsw', table_name='kb_chunks', postgresql_using='hnsw', postgresql_ops={'embedding': 'vector_cosine_ops'})
    op.drop_index('ix_kb_chunks_article', table_name='kb_chunks')
    op.drop_table('kb_chunks')
    op.drop_index('ix_interactions_type_occurred', table_name='interactions')
    op.drop_index('ix_interactions_ticket', table_name='interactions')
    op.drop_index('ix_interactions_occurred', table_name='interactions')
    op.drop_index('ix_interactions_customer_occurred', table_name='interactions')
    op.drop_index('ix_interactions_author', table_name='interactions')
    op.drop_table('interactions')
    op.drop_index('ix_kb_article_versions_state', table_name='kb_article_versions')
    op.drop_index('ix_kb_article_versions_source_sha256', table_name='kb_article_versions')
    op.drop_constraint(op.f('fk_kb_articles_published_version_id_kb_article_versions'), 'kb_articles', type_='foreignkey')
    op.drop_constraint(op.f('fk_kb_articles_latest_version_id_kb_article_versions'), 'kb_articles', type_='foreignkey')
    op.drop_table('kb_article_versions')
    op.drop_index('ix_customer_note_revisions_note', table_name='customer_note_revisions')
    op.drop_table('customer_note_revisions')
    op.drop_index('ix_kb_articles_updated_id', table_name='kb_articles')
    op.drop_index('ix_kb_articles_tags', table_name='kb_articles', postgresql_using='gin')
    op.drop_index('ix_kb_articles_published_version', table_name='kb_articles')
    op.drop_index('ix_kb_articles_owner', table_name='kb_articles')
    op.drop_index('ix_kb_articles_locale', table_name='kb_articles')
    op.drop_index('ix_kb_articles_category', table_name='kb_articles')
    op.drop_table('kb_articles')
    op.drop_index('ix_customer_segments_owner', table_name='customer_segments')
    op.drop_table('customer_segments')
    op.drop_index('ix_customer_notes_customer', table_name='customer_notes')
    op.drop_table('customer_notes')
    op.drop_index('ix_organizations_tags', table_name='organizations', postgresql_using='gin')
    op.drop_index('ix_organizations_name_id', table_name='organizations')
    op.drop_index('ix_organizations_domains', table_name='organizations', postgresql_using='gin')
    op.drop_index('ix_organizations_deleted_at', table_name='organizations')
    op.drop_index('ix_organizations_created_id', table_name='organizations')
    op.drop_table('organizations')
