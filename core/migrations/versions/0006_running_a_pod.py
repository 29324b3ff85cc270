"""running a pod: site settings, sign-up approval, invites, pod blocks, admin mail, exports, imports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 15:12:02.693639
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_up_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=32), nullable=False),
    sa.Column('email', sa.String(length=255), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_up_requests')),
    sa.UniqueConstraint('email', name=op.f('uq_sign_up_requests_email')),
    sa.UniqueConstraint('username', name=op.f('uq_sign_up_requests_username'))
    )
    with op.batch_alter_table('sign_up_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_up_requests_created_at'), ['created_at'], unique=False)

    op.create_table('site_settings',
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.Column('changed_at', core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_site_settings'))
    )
    op.create_table('admin_mailings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.String(length=32), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('is_html', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('last_user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_admin_mailings_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_mailings'))
    )
    op.create_table('exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=255), nullable=False),
    sa.Column('archive_path', sa.String(length=1024), nullable=True),
    sa.Column('photos_path', sa.String(length=1024), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('expires_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_exports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exports'))
    )
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exports_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_exports_user_id'), ['user_id'], unique=False)

    op.create_table('imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('step', sa.String(length=255), nullable=False),
    sa.Column('archive_path', sa.String(length=1024), nullable=True),
    sa.Column('old_diaspora_id', sa.String(length=255), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_imports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imports'))
    )
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imports_user_id'), ['user_id'], unique=False)

    op.create_table('invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('used_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_invites_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['used_by_id'], ['users.id'], name=op.f('fk_invites_used_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invites')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invites_token_hash'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_locally', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('pods', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('blocked_at', core.db.UTCDateTime(), nullable=True))

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reviewed_at', core.db.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_reports_reviewed_by_id_users'), 'users', ['reviewed_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('getting_started', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_users_created_at'), ['created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_users_created_at'))
        batch_op.drop_column('getting_started')
        batch_op.drop_column('closed_at')

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reports_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('reviewed_at')
        batch_op.drop_column('reviewed_by_id')
        batch_op.drop_column('resolution')

    with op.batch_alter_table('pods', schema=None) as batch_op:
        batch_op.drop_column('blocked_at')
        batch_op.drop_column('version')

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('closed_locally')

    op.drop_table('invites')
    with op.batch_alter_table('imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imports_user_id'))

    op.drop_table('imports')
    with op.batch_alter_table('exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exports_user_id'))
        batch_op.drop_index(batch_op.f('ix_exports_expires_at'))

    op.drop_table('exports')
    op.drop_table('admin_mailings')
    op.drop_table('site_settings')
    with op.batch_alter_table('sign_up_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_up_requests_created_at'))

    op.drop_table('sign_up_requests')
