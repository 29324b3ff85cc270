"""youtube_embed: the oEmbed cache of each video shown

Revision ID: youtube_embed_0001
Revises:
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = "youtube_embed_0001"
down_revision = None
branch_labels = ("youtube_embed",)
depends_on = "core"


def upgrade() -> None:
    op.create_table(
        "youtube_embed_videos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("video_id", sa.String(length=11), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=True),
        sa.Column("author_name", sa.String(length=300), nullable=True),
        sa.Column("thumbnail", sa.LargeBinary(), nullable=True),
        sa.Column("thumbnail_width", sa.Integer(), nullable=True),
        sa.Column("thumbnail_height", sa.Integer(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("fetched_at", core.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", core.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_youtube_embed_videos")),
        sa.UniqueConstraint("video_id", name=op.f("uq_youtube_embed_videos_video_id")),
    )
    with op.batch_alter_table("youtube_embed_videos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_youtube_embed_videos_next_attempt_at"), ["next_attempt_at"],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table("youtube_embed_videos", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_youtube_embed_videos_next_attempt_at"))
    op.drop_table("youtube_embed_videos")
