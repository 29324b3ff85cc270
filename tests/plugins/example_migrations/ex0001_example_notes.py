"""example: notes table (the test plugin's migration branch)

Revision ID: ex0001
Revises:
"""
from alembic import op
import sqlalchemy as sa


revision = "ex0001"
down_revision = None
branch_labels = ("example",)
depends_on = "core"


def upgrade() -> None:
    op.create_table(
        "example_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_example_notes")),
    )


def downgrade() -> None:
    op.drop_table("example_notes")
