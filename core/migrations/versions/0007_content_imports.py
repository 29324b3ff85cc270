"""content imports: runs of importers and the items they met

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 17:35:56
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('content_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('importer', sa.String(length=255), nullable=False),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('upload_path', sa.String(length=1024), nullable=True),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('aspect_id', sa.Integer(), nullable=True),
    sa.Column('federate', sa.Boolean(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('total', sa.Integer(), nullable=True),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('finished_at', core.db.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['aspect_id'], ['aspects.id'], name=op.f('fk_content_imports_aspect_id_aspects'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_content_imports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_imports'))
    )
    with op.batch_alter_table('content_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_content_imports_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_content_imports_user_id'), ['user_id'], unique=False)

    op.create_table('imported_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('importer', sa.String(length=255), nullable=False),
    sa.Column('external_id', sa.String(length=255), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_imported_items_post_id_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['content_imports.id'], name=op.f('fk_imported_items_run_id_content_imports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_imported_items_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_imported_items')),
    sa.UniqueConstraint('user_id', 'importer', 'external_id', name=op.f('uq_imported_items_user_id'))
    )
    with op.batch_alter_table('imported_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_imported_items_post_id'), ['post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_imported_items_run_id'), ['run_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('imported_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_imported_items_run_id'))
        batch_op.drop_index(batch_op.f('ix_imported_items_post_id'))

    op.drop_table('imported_items')
    with op.batch_alter_table('content_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_content_imports_user_id'))
        batch_op.drop_index(batch_op.f('ix_content_imports_state'))

    op.drop_table('content_imports')
