"""api: apps, authorizations and tokens

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 12:31:20.075307
"""
import uuid

from alembic import op
import sqlalchemy as sa
import core.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Notifications get the guid API clients address them by; existing rows get theirs here.
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guid', sa.String(length=255), nullable=True))
    notifications = sa.table('notifications', sa.column('id', sa.Integer), sa.column('guid', sa.String))
    connection = op.get_bind()
    for (notification_id,) in connection.execute(sa.select(notifications.c.id)).all():
        connection.execute(notifications.update().where(notifications.c.id == notification_id)
                           .values(guid=uuid.uuid4().hex))
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('guid', existing_type=sa.String(length=255), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_notifications_guid'), ['guid'])

    op.create_table('oauth_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=64), nullable=False),
    sa.Column('client_secret', sa.String(length=128), nullable=False),
    sa.Column('client_name', sa.String(length=255), nullable=False),
    sa.Column('redirect_uris', sa.JSON(), nullable=False),
    sa.Column('client_metadata', sa.JSON(), nullable=False),
    sa.Column('ppid', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_clients')),
    sa.UniqueConstraint('client_id', name=op.f('uq_oauth_clients_client_id'))
    )
    op.create_table('oauth_authorizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('redirect_uri', sa.String(length=1024), nullable=False),
    sa.Column('scopes', sa.Text(), nullable=False),
    sa.Column('nonce', sa.String(length=255), nullable=True),
    sa.Column('code_hash', sa.String(length=64), nullable=True),
    sa.Column('code_expires_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('code_used_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('code_challenge', sa.String(length=255), nullable=True),
    sa.Column('code_challenge_method', sa.String(length=16), nullable=True),
    sa.Column('auth_time', core.db.UTCDateTime(), nullable=True),
    sa.Column('refresh_token_hash', sa.String(length=64), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['oauth_clients.id'], name=op.f('fk_oauth_authorizations_client_id_oauth_clients'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oauth_authorizations_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_authorizations')),
    sa.UniqueConstraint('client_id', 'user_id', name=op.f('uq_oauth_authorizations_client_id')),
    sa.UniqueConstraint('code_hash', name=op.f('uq_oauth_authorizations_code_hash')),
    sa.UniqueConstraint('refresh_token_hash', name=op.f('uq_oauth_authorizations_refresh_token_hash'))
    )
    with op.batch_alter_table('oauth_authorizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_authorizations_user_id'), ['user_id'], unique=False)

    op.create_table('oauth_pairwise_subjects',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sector', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_oauth_pairwise_subjects_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'sector', name=op.f('pk_oauth_pairwise_subjects')),
    sa.UniqueConstraint('subject', name=op.f('uq_oauth_pairwise_subjects_subject'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('authorization_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=100), nullable=True),
    sa.Column('scopes', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('last_used_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['authorization_id'], ['oauth_authorizations.id'], name=op.f('fk_api_tokens_authorization_id_oauth_authorizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_authorization_id'), ['authorization_id'], unique=False)
        batch_op.create_index('ix_api_tokens_user_id_created_at', ['user_id', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_notifications_guid'), type_='unique')
        batch_op.drop_column('guid')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index('ix_api_tokens_user_id_created_at')
        batch_op.drop_index(batch_op.f('ix_api_tokens_authorization_id'))

    op.drop_table('api_tokens')
    op.drop_table('oauth_pairwise_subjects')
    with op.batch_alter_table('oauth_authorizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_authorizations_user_id'))

    op.drop_table('oauth_authorizations')
    op.drop_table('oauth_clients')
