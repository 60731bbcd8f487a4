"""knowledge-base workflow: list indexes and the imported file's section

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 13:50:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('kb_article_versions', sa.Column('source_section', sa.Integer(), nullable=True))
    op.create_index('ix_kb_articles_audience', 'kb_articles', ['audience'], unique=False)
    op.create_index('ix_kb_articles_created_id', 'kb_articles', ['created_at', 'id'], unique=False)
    op.create_index('ix_kb_articles_latest_version', 'kb_articles', ['latest_version_id'], unique=False)
    op.create_index('ix_kb_article_versions_sha256', 'kb_article_versions', ['source_sha256'], unique=False)
    op.create_index(
        'ix_kb_article_versions_title_search',
        'kb_article_versions',
        [sa.text("to_tsvector('simple', title)")],
        unique=False,
        postgresql_using='gin',
    )


def downgrade() -> None:
    op.drop_index('ix_kb_article_versions_title_search', table_name='kb_article_versions')
    op.drop_index('ix_kb_article_versions_sha256', table_name='kb_article_versions')
    op.drop_index('ix_kb_articles_latest_version', table_name='kb_articles')
    op.drop_index('ix_kb_articles_created_id', table_name='kb_articles')
    op.drop_index('ix_kb_articles_audience', table_name='kb_articles')
    op.drop_column('kb_article_versions', 'source_section')
