"""federation: pods, inbox, deliveries, relayables, events

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 09:59:42.686634
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('dispatched_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('claimed_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_dispatched_at_id', ['dispatched_at', 'id'], unique=False)

    op.create_table('pods',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('host', sa.String(length=255), nullable=False),
    sa.Column('https', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_success_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_error_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('down_since', core.db.UTCDateTime(), nullable=True),
    sa.Column('next_check_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('software', sa.String(length=255), nullable=True),
    sa.Column('lease_until', core.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pods')),
    sa.UniqueConstraint('host', name=op.f('uq_pods_host'))
    )
    op.create_table('relayable_xml',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=False),
    sa.Column('guid', sa.String(length=255), nullable=False),
    sa.Column('xml', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_relayable_xml')),
    sa.UniqueConstraint('entity_type', 'guid', name=op.f('uq_relayable_xml_entity_type'))
    )
    op.create_table('inbox_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('route', sa.String(length=16), nullable=False),
    sa.Column('recipient_user_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.LargeBinary(), nullable=False),
    sa.Column('body_sha256', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('received_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('processed_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('sender', sa.String(length=255), nullable=True),
    sa.Column('entity_type', sa.String(length=64), nullable=True),
    sa.Column('entity_guid', sa.String(length=255), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['recipient_user_id'], ['users.id'], name=op.f('fk_inbox_items_recipient_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbox_items'))
    )
    with op.batch_alter_table('inbox_items', schema=None) as batch_op:
        batch_op.create_index('ix_inbox_items_body_sha256', ['body_sha256'], unique=False)
        batch_op.create_index('ix_inbox_items_state_next_attempt_at', ['state', 'next_attempt_at'], unique=False)

    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pod_id', sa.Integer(), nullable=False),
    sa.Column('recipient_person_id', sa.Integer(), nullable=True),
    sa.Column('sender_person_id', sa.Integer(), nullable=False),
    sa.Column('entity_type', sa.String(length=64), nullable=False),
    sa.Column('entity_guid', sa.String(length=255), nullable=False),
    sa.Column('envelope', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('claimed_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('delivered_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['pod_id'], ['pods.id'], name=op.f('fk_deliveries_pod_id_pods'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_person_id'], ['people.id'], name=op.f('fk_deliveries_recipient_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_person_id'], ['people.id'], name=op.f('fk_deliveries_sender_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_deliveries'))
    )
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_deliveries_entity_guid', ['entity_guid'], unique=False)
        batch_op.create_index('ix_deliveries_pod_id_state_id', ['pod_id', 'state', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveries_recipient_person_id'), ['recipient_person_id'], unique=False)
        batch_op.create_index('ix_deliveries_state_next_attempt_at', ['state', 'next_attempt_at'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pod_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fetched_at', core.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', core.db.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_people_pod_id'), ['pod_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_people_pod_id_pods'), 'pods', ['pod_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_people_pod_id_pods'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_people_pod_id'))
        batch_op.drop_column('closed_at')
        batch_op.drop_column('fetched_at')
        batch_op.drop_column('pod_id')

    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_deliveries_state_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_deliveries_recipient_person_id'))
        batch_op.drop_index('ix_deliveries_pod_id_state_id')
        batch_op.drop_index('ix_deliveries_entity_guid')

    op.drop_table('deliveries')
    with op.batch_alter_table('inbox_items', schema=None) as batch_op:
        batch_op.drop_index('ix_inbox_items_state_next_attempt_at')
        batch_op.drop_index('ix_inbox_items_body_sha256')

    op.drop_table('inbox_items')
    op.drop_table('relayable_xml')
    op.drop_table('pods')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_dispatched_at_id')

    op.drop_table('events')
