"""knowledge-base analytics: votes, view marks, per-article-per-day counters

Revision ID: 0014
Revises: 0007
Create Date: 2026-11-26 15:20:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kb_article_votes',
    sa.Column('article_id', sa.UUID(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('helpful', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_votes_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kb_article_votes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'user_id', name=op.f('pk_kb_article_votes'))
    )
    op.create_index('ix_kb_article_votes_article_helpful', 'kb_article_votes', ['article_id', 'helpful'], unique=False)
    op.create_table('kb_article_views',
    sa.Column('article_id', sa.UUID(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_views_article_id_kb_articles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_kb_article_views_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'day', 'user_id', name=op.f('pk_kb_article_views'))
    )
    op.create_index('ix_kb_article_views_day', 'kb_article_views', ['day'], unique=False)
    op.create_table('kb_article_daily_stats',
    sa.Column('article_id', sa.UUID(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('retrievals', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('citations', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['kb_articles.id'], name=op.f('fk_kb_article_daily_stats_article_id_kb_articles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_id', 'day', name=op.f('pk_kb_article_daily_stats'))
    )
    op.create_index('ix_kb_articles_live_reviewed', 'kb_articles', ['category', 'last_reviewed_at'], unique=False, postgresql_where=sa.text('published_version_id IS NOT NULL AND archived_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_kb_articles_live_reviewed', table_name='kb_articles', postgresql_where=sa.text('published_version_id IS NOT NULL AND archived_at IS NULL'))
    op.drop_table('kb_article_daily_stats')
    op.drop_index('ix_kb_article_views_day', table_name='kb_article_views')
    op.drop_table('kb_article_views')
    op.drop_index('ix_kb_article_votes_article_helpful', table_name='kb_article_votes')
    op.drop_table('kb_article_votes')
