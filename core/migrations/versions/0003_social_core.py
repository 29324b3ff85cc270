"""social core: profiles, aspects, posts, notifications, conversations, reports

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 07:31:27.586174
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('name', name=op.f('uq_tags_name'))
    )
    op.create_table('aspects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_aspects_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aspects')),
    sa.UniqueConstraint('user_id', 'name', name=op.f('uq_aspects_user_id'))
    )
    with op.batch_alter_table('aspects', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aspects_user_id'), ['user_id'], unique=False)

    op.create_table('email_opt_outs',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_opt_outs_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind', name=op.f('pk_email_opt_outs'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('target_type', sa.String(length=16), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('unread', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_notifications_recipient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_recipient_id_unread', ['recipient_id', 'unread'], unique=False)
        batch_op.create_index('ix_notifications_recipient_id_updated_at_id', ['recipient_id', 'updated_at', 'id'], unique=False)
        batch_op.create_index('ix_notifications_target', ['target_type', 'target_id'], unique=False)

    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=16), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('reviewed', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('user_id', 'item_type', 'item_id', name=op.f('uq_reports_user_id'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_reviewed_created_at', ['reviewed', 'created_at'], unique=False)

    op.create_table('tag_followings',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_tag_followings_tag_id_tags'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_tag_followings_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'tag_id', name=op.f('pk_tag_followings'))
    )
    with op.batch_alter_table('tag_followings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tag_followings_tag_id'), ['tag_id'], unique=False)

    op.create_table('blocks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_blocks_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_blocks_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_blocks')),
    sa.UniqueConstraint('user_id', 'person_id', name=op.f('uq_blocks_user_id'))
    )
    with op.batch_alter_table('blocks', schema=None) as batch_op:
        batch_op.create_index('ix_blocks_person_id', ['person_id'], unique=False)

    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('sharing', sa.Boolean(), nullable=False),
    sa.Column('receiving', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_contacts_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_contacts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contacts')),
    sa.UniqueConstraint('user_id', 'person_id', name=op.f('uq_contacts_user_id'))
    )
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contacts_person_id'), ['person_id'], unique=False)

    op.create_table('conversations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=255), nullable=False),
    sa.Column('subject', sa.String(length=255), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_conversations_author_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversations')),
    sa.UniqueConstraint('guid', name=op.f('uq_conversations_guid'))
    )
    op.create_table('notification_actors',
    sa.Column('notification_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['notification_id'], ['notifications.id'], name=op.f('fk_notification_actors_notification_id_notifications'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_notification_actors_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('notification_id', 'person_id', name=op.f('pk_notification_actors'))
    )
    with op.batch_alter_table('notification_actors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_actors_person_id'), ['person_id'], unique=False)

    op.create_table('posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=255), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('provider_display_name', sa.String(length=255), nullable=True),
    sa.Column('root_id', sa.Integer(), nullable=True),
    sa.Column('location_address', sa.String(length=255), nullable=True),
    sa.Column('location_lat', sa.String(length=32), nullable=True),
    sa.Column('location_lng', sa.String(length=32), nullable=True),
    sa.Column('nsfw', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('edited_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('interacted_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('comments_count', sa.Integer(), nullable=False),
    sa.Column('likes_count', sa.Integer(), nullable=False),
    sa.Column('reshares_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_posts_author_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['root_id'], ['posts.id'], name=op.f('fk_posts_root_id_posts'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts')),
    sa.UniqueConstraint('guid', name=op.f('uq_posts_guid'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index('ix_posts_author_id_created_at_id', ['author_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_posts_created_at_id', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_posts_interacted_at_id', ['interacted_at', 'id'], unique=False)
        batch_op.create_index('ix_posts_public_created_at_id', ['public', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_posts_root_id', ['root_id'], unique=False)

    op.create_table('profiles',
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('first_name', sa.String(length=32), nullable=False),
    sa.Column('last_name', sa.String(length=32), nullable=False),
    sa.Column('image_url', sa.String(length=1024), nullable=True),
    sa.Column('image_url_medium', sa.String(length=1024), nullable=True),
    sa.Column('image_url_small', sa.String(length=1024), nullable=True),
    sa.Column('tag_string', sa.String(length=255), nullable=False),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('location', sa.String(length=255), nullable=False),
    sa.Column('gender', sa.String(length=255), nullable=False),
    sa.Column('birthday', sa.Date(), nullable=True),
    sa.Column('searchable', sa.Boolean(), nullable=False),
    sa.Column('public_details', sa.Boolean(), nullable=False),
    sa.Column('nsfw', sa.Boolean(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_profiles_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('person_id', name=op.f('pk_profiles'))
    )
    op.create_table('aspect_memberships',
    sa.Column('aspect_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['aspect_id'], ['aspects.id'], name=op.f('fk_aspect_memberships_aspect_id_aspects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_aspect_memberships_contact_id_contacts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('aspect_id', 'contact_id', name=op.f('pk_aspect_memberships'))
    )
    with op.batch_alter_table('aspect_memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aspect_memberships_contact_id'), ['contact_id'], unique=False)

    op.create_table('aspect_visibilities',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('aspect_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['aspect_id'], ['aspects.id'], name=op.f('fk_aspect_visibilities_aspect_id_aspects'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_aspect_visibilities_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'aspect_id', name=op.f('pk_aspect_visibilities'))
    )
    with op.batch_alter_table('aspect_visibilities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_aspect_visibilities_aspect_id'), ['aspect_id'], unique=False)

    op.create_table('comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=255), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.Column('edited_at', core.db.UTCDateTime(), nullable=True),
    sa.Column('likes_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_comments_author_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_comments_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comments')),
    sa.UniqueConstraint('guid', name=op.f('uq_comments_guid'))
    )
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_author_id_created_at', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_comments_post_id_created_at', ['post_id', 'created_at'], unique=False)

    op.create_table('conversation_participants',
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('unread', sa.Integer(), nullable=False),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_participants_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_conversation_participants_person_id_people'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('conversation_id', 'person_id', name=op.f('pk_conversation_participants'))
    )
    with op.batch_alter_table('conversation_participants', schema=None) as batch_op:
        batch_op.create_index('ix_conversation_participants_person_id_hidden', ['person_id', 'hidden'], unique=False)

    op.create_table('hidden_posts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_hidden_posts_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_hidden_posts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'post_id', name=op.f('pk_hidden_posts'))
    )
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=255), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_messages_author_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_messages_conversation_id_conversations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('guid', name=op.f('uq_messages_guid'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index('ix_messages_conversation_id_created_at', ['conversation_id', 'created_at'], unique=False)

    op.create_table('muted_posts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_muted_posts_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_muted_posts_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'post_id', name=op.f('pk_muted_posts'))
    )
    op.create_table('participations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=255), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_participations_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_participations_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participations')),
    sa.UniqueConstraint('guid', name=op.f('uq_participations_guid')),
    sa.UniqueConstraint('person_id', 'post_id', name=op.f('uq_participations_person_id'))
    )
    with op.batch_alter_table('participations', schema=None) as batch_op:
        batch_op.create_index('ix_participations_post_id', ['post_id'], unique=False)

    op.create_table('photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=255), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('pending', sa.Boolean(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('remote_photo_path', sa.String(length=1024), nullable=True),
    sa.Column('width', sa.Integer(), nullable=True),
    sa.Column('height', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_photos_author_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_photos_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_photos')),
    sa.UniqueConstraint('guid', name=op.f('uq_photos_guid'))
    )
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.create_index('ix_photos_author_id_created_at_id', ['author_id', 'created_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_photos_file_name'), ['file_name'], unique=False)
        batch_op.create_index(batch_op.f('ix_photos_post_id'), ['post_id'], unique=False)

    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=255), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_polls_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls')),
    sa.UniqueConstraint('guid', name=op.f('uq_polls_guid')),
    sa.UniqueConstraint('post_id', name=op.f('uq_polls_post_id'))
    )
    op.create_table('share_visibilities',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_share_visibilities_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_share_visibilities_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', 'user_id', name=op.f('pk_share_visibilities'))
    )
    with op.batch_alter_table('share_visibilities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_visibilities_user_id'), ['user_id'], unique=False)

    op.create_table('taggings',
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_taggings_post_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_taggings_tag_id_tags'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('tag_id', 'post_id', name=op.f('pk_taggings'))
    )
    with op.batch_alter_table('taggings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_taggings_post_id'), ['post_id'], unique=False)

    op.create_table('likes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=255), nullable=False),
    sa.Column('target_type', sa.String(length=16), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('positive', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_likes_author_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_likes_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_likes_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_likes')),
    sa.UniqueConstraint('comment_id', 'author_id', name=op.f('uq_likes_comment_id')),
    sa.UniqueConstraint('guid', name=op.f('uq_likes_guid')),
    sa.UniqueConstraint('post_id', 'author_id', name=op.f('uq_likes_post_id'))
    )
    with op.batch_alter_table('likes', schema=None) as batch_op:
        batch_op.create_index('ix_likes_author_id_created_at', ['author_id', 'created_at'], unique=False)

    op.create_table('mentions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=True),
    sa.Column('comment_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['comments.id'], name=op.f('fk_mentions_comment_id_comments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], name=op.f('fk_mentions_person_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_mentions_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentions'))
    )
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentions_comment_id'), ['comment_id'], unique=False)
        batch_op.create_index('ix_mentions_person_id_post_id', ['person_id', 'post_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentions_post_id'), ['post_id'], unique=False)

    op.create_table('poll_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=255), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('answer', sa.String(length=255), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('vote_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_answers_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_answers')),
    sa.UniqueConstraint('guid', name=op.f('uq_poll_answers_guid'))
    )
    with op.batch_alter_table('poll_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_answers_poll_id'), ['poll_id'], unique=False)

    op.create_table('poll_participations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guid', sa.String(length=255), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('answer_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['answer_id'], ['poll_answers.id'], name=op.f('fk_poll_participations_answer_id_poll_answers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['people.id'], name=op.f('fk_poll_participations_author_id_people'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_participations_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_participations')),
    sa.UniqueConstraint('guid', name=op.f('uq_poll_participations_guid')),
    sa.UniqueConstraint('poll_id', 'author_id', name=op.f('uq_poll_participations_poll_id'))
    )
    with op.batch_alter_table('poll_participations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_participations_author_id'), ['author_id'], unique=False)

    # People and users from before this revision get what sign-up now gives them.
    op.execute(
        "INSERT INTO profiles (person_id, first_name, last_name, tag_string, bio, location, gender,"
        " searchable, public_details, nsfw, updated_at)"
        " SELECT id, '', '', '', '', '', '', true, false, false, created_at FROM people")
    for position, name in enumerate(("Family", "Friends", "Work", "Acquaintances")):
        op.execute(
            "INSERT INTO aspects (user_id, name, position, created_at)"
            f" SELECT id, '{name}', {position}, created_at FROM users")


def downgrade() -> None:
    with op.batch_alter_table('poll_participations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_participations_author_id'))

    op.drop_table('poll_participations')
    with op.batch_alter_table('poll_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_answers_poll_id'))

    op.drop_table('poll_answers')
    with op.batch_alter_table('mentions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentions_post_id'))
        batch_op.drop_index('ix_mentions_person_id_post_id')
        batch_op.drop_index(batch_op.f('ix_mentions_comment_id'))

    op.drop_table('mentions')
    with op.batch_alter_table('likes', schema=None) as batch_op:
        batch_op.drop_index('ix_likes_author_id_created_at')

    op.drop_table('likes')
    with op.batch_alter_table('taggings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_taggings_post_id'))

    op.drop_table('taggings')
    with op.batch_alter_table('share_visibilities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_visibilities_user_id'))

    op.drop_table('share_visibilities')
    op.drop_table('polls')
    with op.batch_alter_table('photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_photos_post_id'))
        batch_op.drop_index(batch_op.f('ix_photos_file_name'))
        batch_op.drop_index('ix_photos_author_id_created_at_id')

    op.drop_table('photos')
    with op.batch_alter_table('participations', schema=None) as batch_op:
        batch_op.drop_index('ix_participations_post_id')

    op.drop_table('participations')
    op.drop_table('muted_posts')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index('ix_messages_conversation_id_created_at')

    op.drop_table('messages')
    op.drop_table('hidden_posts')
    with op.batch_alter_table('conversation_participants', schema=None) as batch_op:
        batch_op.drop_index('ix_conversation_participants_person_id_hidden')

    op.drop_table('conversation_participants')
    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_post_id_created_at')
        batch_op.drop_index('ix_comments_author_id_created_at')

    op.drop_table('comments')
    with op.batch_alter_table('aspect_visibilities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aspect_visibilities_aspect_id'))

    op.drop_table('aspect_visibilities')
    with op.batch_alter_table('aspect_memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aspect_memberships_contact_id'))

    op.drop_table('aspect_memberships')
    op.drop_table('profiles')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index('ix_posts_root_id')
        batch_op.drop_index('ix_posts_public_created_at_id')
        batch_op.drop_index('ix_posts_interacted_at_id')
        batch_op.drop_index('ix_posts_created_at_id')
        batch_op.drop_index('ix_posts_author_id_created_at_id')

    op.drop_table('posts')
    with op.batch_alter_table('notification_actors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_actors_person_id'))

    op.drop_table('notification_actors')
    op.drop_table('conversations')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contacts_person_id'))

    op.drop_table('contacts')
    with op.batch_alter_table('blocks', schema=None) as batch_op:
        batch_op.drop_index('ix_blocks_person_id')

    op.drop_table('blocks')
    with op.batch_alter_table('tag_followings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tag_followings_tag_id'))

    op.drop_table('tag_followings')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('ix_reports_reviewed_created_at')

    op.drop_table('reports')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_target')
        batch_op.drop_index('ix_notifications_recipient_id_updated_at_id')
        batch_op.drop_index('ix_notifications_recipient_id_unread')

    op.drop_table('notifications')
    op.drop_table('email_opt_outs')
    with op.batch_alter_table('aspects', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aspects_user_id'))

    op.drop_table('aspects')
    op.drop_table('tags')
