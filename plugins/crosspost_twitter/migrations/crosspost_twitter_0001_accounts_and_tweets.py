"""crosspost_twitter: connected accounts and crossposted posts

Revision ID: crosspost_twitter_0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

from core.db import UTCDateTime

revision = "crosspost_twitter_0001"
down_revision = None
branch_labels = ("crosspost_twitter",)
depends_on = "core"


def upgrade() -> None:
    op.create_table(
        "crosspost_twitter_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("x_user_id", sa.String(length=64), nullable=False),
        sa.Column("screen_name", sa.String(length=64), nullable=False),
        sa.Column("access_token", sa.String(length=255), nullable=False),
        sa.Column("access_token_secret", sa.String(length=255), nullable=False),
        sa.Column("needs_reconnect", sa.Boolean(), nullable=False),
        sa.Column("connected_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_crosspost_twitter_accounts_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crosspost_twitter_accounts")),
        sa.UniqueConstraint("user_id", name=op.f("uq_crosspost_twitter_accounts_user_id")),
    )
    op.create_table(
        "crosspost_twitter_tweets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("post_guid", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("tweet_id", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("post_deleted_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE",
                                name=op.f("fk_crosspost_twitter_tweets_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crosspost_twitter_tweets")),
        sa.UniqueConstraint("post_id", name=op.f("uq_crosspost_twitter_tweets_post_id")),
        sa.UniqueConstraint("post_guid", name=op.f("uq_crosspost_twitter_tweets_post_guid")),
    )
    op.create_index(op.f("ix_crosspost_twitter_tweets_user_id"), "crosspost_twitter_tweets", ["user_id"])
    op.create_index(op.f("ix_crosspost_twitter_tweets_state"), "crosspost_twitter_tweets", ["state"])


def downgrade() -> None:
    op.drop_index(op.f("ix_crosspost_twitter_tweets_state"), table_name="crosspost_twitter_tweets")
    op.drop_index(op.f("ix_crosspost_twitter_tweets_user_id"), table_name="crosspost_twitter_tweets")
    op.drop_table("crosspost_twitter_tweets")
    op.drop_table("crosspost_twitter_accounts")
