"""foundation

Revision ID: 0001
Revises: 
Create Date: 2026-11-24 15:21:23.290134
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


# customers.contact_vector holds "e:<email>" and "p:<phone digits>" lexemes so that one
# GIN index answers e-mail and phone prefix searches on the customers table itself.
# Statement-level triggers keep it in step with whoever writes the contact tables (one
# UPDATE per statement, so bulk loads stay fast).
_REFRESH = """
CREATE FUNCTION customers_refresh_contact_vector() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        UPDATE customers c SET contact_vector = customers_contact_vector(c.id)
        WHERE c.id IN (SELECT customer_id FROM changed UNION SELECT customer_id FROM changed_old);
    ELSE
        UPDATE customers c SET contact_vector = customers_contact_vector(c.id)
        WHERE c.id IN (SELECT customer_id FROM changed);
    END IF;
    RETURN NULL;
END
$$
"""
_VECTOR = """
CREATE FUNCTION customers_contact_vector(customer uuid) RETURNS tsvector
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_to_tsvector(array_agg(DISTINCT term)), ''::tsvector)
    FROM (
        SELECT 'e:' || email AS term FROM customer_emails WHERE customer_id = customer
        UNION ALL
        SELECT 'p:' || digits FROM customer_phones WHERE customer_id = customer
    ) AS terms
$$
"""
CONTACT_VECTOR_TRIGGERS = [_VECTOR, _REFRESH] + [
    f"CREATE TRIGGER {table}_{event}_contact_vector AFTER {event.upper()} ON {table} "
    f"REFERENCING {transition} FOR EACH STATEMENT "
    "EXECUTE FUNCTION customers_refresh_contact_vector()"
    for table in ('customer_emails', 'customer_phones')
    for event, transition in (
        ('insert', 'NEW TABLE AS changed'),
        ('update', 'OLD TABLE AS changed_old NEW TABLE AS changed'),
        ('delete', 'OLD TABLE AS changed'),
    )
]


def upgrade() -> None:
    # pgvector for the knowledge base. pg_trgm is not shipped by the embedded server, so
    # fuzzy customer search keeps its own trigram arrays (customers.name_trigrams).
    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('actor_user_id', sa.UUID(), nullable=True),
    sa.Column('actor_api_key_id', sa.UUID(), nullable=True),
    sa.Column('actor_label', sa.String(length=300), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('object_type', sa.String(length=60), nullable=True),
    sa.Column('object_id', sa.String(length=80), nullable=True),
    sa.Column('changes', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    op.create_index('ix_audit_log_action', 'audit_log', ['action', 'created_at'], unique=False)
    op.create_index('ix_audit_log_actor_user', 'audit_log', ['actor_user_id', 'created_at'], unique=False)
    op.create_index('ix_audit_log_created_at_id', 'audit_log', ['created_at', 'id'], unique=False)
    op.create_index('ix_audit_log_object', 'audit_log', ['object_type', 'object_id'], unique=False)
    op.create_table('customers',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('company', sa.String(length=200), nullable=True),
    sa.Column('tags', postgresql.ARRAY(sa.String(length=50)), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('custom_fields', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('notes', sa.Text(), server_default='', nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('search_vector', postgresql.TSVECTOR(), sa.Computed("to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(company, ''))", persisted=True), nullable=False),
    sa.Column('name_trigrams', postgresql.ARRAY(sa.Text()), server_default=sa.text("'{}'"), nullable=False),
    sa.Column('contact_vector', postgresql.TSVECTOR(), server_default=sa.text("''::tsvector"), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customers'))
    )
    op.create_index('ix_customers_company', 'customers', [sa.literal_column('lower(company)')], unique=False)
    op.create_index('ix_customers_contact_vector', 'customers', ['contact_vector'], unique=False, postgresql_using='gin')
    op.create_index('ix_customers_created_id', 'customers', ['created_at', 'id'], unique=False)
    op.create_index('ix_customers_deleted_at', 'customers', ['deleted_at'], unique=False)
    op.create_index('ix_customers_name_id', 'customers', [sa.literal_column('lower(name)'), 'id'], unique=False)
    op.create_index('ix_customers_name_trigrams', 'customers', ['name_trigrams'], unique=False, postgresql_using='gin')
    op.create_index('ix_customers_search_vector', 'customers', ['search_vector'], unique=False, postgresql_using='gin')
    op.create_index('ix_customers_tags', 'customers', ['tags'], unique=False, postgresql_using='gin')
    op.create_index('ix_customers_updated_id', 'customers', ['updated_at', 'id'], unique=False)
    op.create_table('outbox',
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('attempts', sa.Integer(), server_default=sa.text('0'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('user_id', sa.Uuid(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox'))
    )
    op.create_index('ix_outbox_status_created', 'outbox', ['status', 'created_at'], unique=False)
    op.create_table('customer_emails',
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_emails_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_emails')),
    sa.UniqueConstraint('email', name=op.f('uq_customer_emails_email'))
    )
    op.create_index(op.f('ix_customer_emails_customer_id'), 'customer_emails', ['customer_id'], unique=False)
    op.create_table('customer_phones',
    sa.Column('customer_id', sa.UUID(), nullable=False),
    sa.Column('phone', sa.String(length=32), nullable=False),
    sa.Column('digits', sa.String(length=32), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_phones_customer_id_customers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_phones'))
    )
    op.create_index(op.f('ix_customer_phones_customer_id'), 'customer_phones', ['customer_id'], unique=False)
    for statement in CONTACT_VECTOR_TRIGGERS:
        op.execute(statement)
    op.create_table('users',
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('customer_id', sa.UUID(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sessions_valid_after', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('preferences', postgresql.JSONB(astext_type=sa.Text()), server_default=sa.text("'{}'::jsonb"), nullable=False),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_users_customer_id_customers'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_index(op.f('ix_users_customer_id'), 'users', ['customer_id'], unique=False)
    op.create_index('ix_users_role_created', 'users', ['role', 'created_at'], unique=False)
    op.create_table('api_keys',
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('key_hash', sa.String(length=64), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_api_keys_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_keys')),
    sa.UniqueConstraint('key_hash', name=op.f('uq_api_keys_key_hash'))
    )
    op.create_index(op.f('ix_api_keys_prefix'), 'api_keys', ['prefix'], unique=False)
    op.create_table('auth_sessions',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=40), nullable=True),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('user_agent', sa.String(length=400), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_auth_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_auth_sessions'))
    )
    op.create_index(op.f('ix_auth_sessions_user_id'), 'auth_sessions', ['user_id'], unique=False)
    op.create_table('user_tokens',
    sa.Column('user_id', sa.UUID(), nullable=False),
    sa.Column('purpose', sa.String(length=32), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_tokens_token_hash'))
    )
    op.create_index(op.f('ix_user_tokens_user_id'), 'user_tokens', ['user_id'], unique=False)
    op.create_table('refresh_tokens',
    sa.Column('session_id', sa.UUID(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.UUID(), nullable=False),
    sa.ForeignKeyConstraint(['session_id'], ['auth_sessions.id'], name=op.f('fk_refresh_tokens_session_id_auth_sessions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_refresh_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_refresh_tokens_token_hash'))
    )
    op.create_index(op.f('ix_refresh_tokens_session_id'), 'refresh_tokens', ['session_id'], unique=False)


def downgrade() -> None:
    for table in ('customer_emails', 'customer_phones'):
        for event in ('insert', 'update', 'delete'):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_{event}_contact_vector ON {table}")
    op.execute("DROP FUNCTION IF EXISTS customers_refresh_contact_vector()")
    op.execute("DROP FUNCTION IF EXISTS customers_contact_vector(uuid)")
    op.drop_index(op.f('ix_refresh_tokens_session_id'), table_name='refresh_tokens')
    op.drop_table('refresh_tokens')
    op.drop_index(op.f('ix_user_tokens_user_id'), table_name='user_tokens')
    op.drop_table('user_tokens')
    op.drop_index(op.f('ix_auth_sessions_user_id'), table_name='auth_sessions')
    op.drop_table('auth_sessions')
    op.drop_index(op.f('ix_api_keys_prefix'), table_name='api_keys')
    op.drop_table('api_keys')
    op.drop_index('ix_users_role_created', table_name='users')
    op.drop_index(op.f('ix_users_customer_id'), table_name='users')
    op.drop_table('users')
    op.drop_index(op.f('ix_customer_phones_customer_id'), table_name='customer_phones')
    op.drop_table('customer_phones')
    op.drop_index(op.f('ix_customer_emails_customer_id'), table_name='customer_emails')
    op.drop_table('customer_emails')
    op.drop_index('ix_outbox_status_created', table_name='outbox')
    op.drop_table('outbox')
    op.drop_index('ix_customers_updated_id', table_name='customers')
    op.drop_index('ix_customers_tags', table_name='customers', postgresql_using='gin')
    op.drop_index('ix_customers_search_vector', table_name='customers', postgresql_using='gin')
    op.drop_index('ix_customers_name_trigrams', table_name='customers', postgresql_using='gin')
    op.drop_index('ix_customers_name_id', table_name='customers')
    op.drop_index('ix_customers_deleted_at', table_name='customers')
    op.drop_index('ix_customers_created_id', table_name='customers')
    op.drop_index('ix_customers_company', table_name='customers')
    op.drop_table('customers')
    op.drop_index('ix_audit_log_object', table_name='audit_log')
    op.drop_index('ix_audit_log_created_at_id', table_name='audit_log')
    op.drop_index('ix_audit_log_actor_user', table_name='audit_log')
    op.drop_index('ix_audit_log_action', table_name='audit_log')
    op.drop_table('audit_log')
