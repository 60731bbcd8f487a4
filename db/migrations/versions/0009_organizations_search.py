"""organizations: name search, customers per organization by name, shared segments

Revision ID: 0009
Revises: 0005
Create Date: 2026-11-26 14:00:00.000000
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0009'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        'organizations',
        sa.Column(
            'search_vector',
            postgresql.TSVECTOR(),
            sa.Computed("to_tsvector('simple', coalesce(name, ''))", persisted=True),
            nullable=False,
        ),
    )
    op.create_index('ix_organizations_search_vector', 'organizations', ['search_vector'], unique=False, postgresql_using='gin')
    op.create_index('ix_customers_organization_name', 'customers', ['organization_id', sa.literal_column('lower(name)'), 'id'], unique=False)
    op.create_index('ix_customer_segments_shared', 'customer_segments', ['shared', 'name'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_customer_segments_shared', table_name='customer_segments')
    op.drop_index('ix_customers_organization_name', table_name='customers')
    op.drop_index('ix_organizations_search_vector', table_name='organizations', postgresql_using='gin')
    op.drop_column('organizations', 'search_vector')
