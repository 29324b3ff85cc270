"""deliveries: an index to send a pod's rows in the order the user acted

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 19:40:00
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_deliveries_pod_id_state_created_at_id', 'deliveries',
                    ['pod_id', 'state', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_deliveries_pod_id_state_created_at_id', table_name='deliveries')
