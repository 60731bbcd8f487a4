"""knowledge-base retrieval: the chunk's text-search configuration, searches that found nothing

Revision ID: 0007
Revises: 0005
Create Date: 2026-11-26 14:00:00
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('kb_chunks', sa.Column('search_config', sa.String(length=20), server_default='simple', nullable=False))
    op.create_check_constraint(op.f('ck_kb_chunks_search_config_known'), 'kb_chunks', "search_config IN ('english', 'simple')")
    op.create_index('ix_kb_chunks_embedded_at', 'kb_chunks', ['embedded_at'], unique=False)
    # Searches must not scan a GIN pending list: KB writes are rare, reads are not.
    op.execute("ALTER INDEX ix_kb_chunks_search_vector SET (fastupdate = off)")
    op.create_table('kb_search_misses',
    sa.Column('query', sa.String(length=500), nullable=False),
    sa.Column('normalized_query', sa.String(length=500), nullable=False),
    sa.Column('locale', sa.String(length=16), nullable=True),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('hits', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('best_similarity', sa.Float(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kb_search_misses'))
    )
    op.create_index('ix_kb_search_misses_created_at', 'kb_search_misses', ['created_at'], unique=False)
    op.create_index('ix_kb_search_misses_normalized_created', 'kb_search_misses', ['normalized_query', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_kb_search_misses_normalized_created', table_name='kb_search_misses')
    op.drop_index('ix_kb_search_misses_created_at', table_name='kb_search_misses')
    op.drop_table('kb_search_misses')
    op.execute("ALTER INDEX ix_kb_chunks_search_vector RESET (fastupdate)")
    op.drop_index('ix_kb_chunks_embedded_at', table_name='kb_chunks')
    op.drop_constraint(op.f('ck_kb_chunks_search_config_known'), 'kb_chunks', type_='check')
    op.drop_column('kb_chunks', 'search_config')
