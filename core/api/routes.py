"""Every /api/v1 route, by name, in API_V1.md §6's order. Views register against these names."""
from __future__ import annotations

API_ROUTES = (
    # 6.1-6.2 aspects and their members
    ("api.aspects", "/aspects"),
    ("api.aspect", "/aspects/{aspect_id}"),
    ("api.aspect_contacts", "/aspects/{aspect_id}/contacts"),
    ("api.aspect_contact", "/aspects/{aspect_id}/contacts/{person_guid}"),
    # 6.3-6.7 posts and what people do with them
    ("api.posts", "/posts"),
    ("api.post", "/posts/{post_guid}"),
    ("api.post_comments", "/posts/{post_guid}/comments"),
    ("api.post_comment", "/posts/{post_guid}/comments/{comment_guid}"),
    ("api.post_comment_report", "/posts/{post_guid}/comments/{comment_guid}/report"),
    ("api.post_comment_likes", "/posts/{post_guid}/comments/{comment_guid}/likes"),
    ("api.post_likes", "/posts/{post_guid}/likes"),
    ("api.post_reshares", "/posts/{post_guid}/reshares"),
    ("api.post_subscribe", "/posts/{post_guid}/subscribe"),
    ("api.post_mute", "/posts/{post_guid}/mute"),
    ("api.post_hide", "/posts/{post_guid}/hide"),
    ("api.post_report", "/posts/{post_guid}/report"),
    ("api.post_vote", "/posts/{post_guid}/vote"),
    # 6.8-6.10 conversations, messages, notifications
    ("api.conversations", "/conversations"),
    ("api.conversation", "/conversations/{conversation_guid}"),
    ("api.conversation_messages", "/conversations/{conversation_guid}/messages"),
    ("api.notifications", "/notifications"),
    ("api.notification", "/notifications/{notification_guid}"),
    # 6.11 photos
    ("api.photos", "/photos"),
    ("api.photo", "/photos/{photo_guid}"),
    # 6.12-6.13 the caller and other people
    ("api.user", "/user"),
    ("api.users_user", "/users/{person_guid}"),
    ("api.users_contacts", "/users/{person_guid}/contacts"),
    ("api.users_photos", "/users/{person_guid}/photos"),
    ("api.users_posts", "/users/{person_guid}/posts"),
    ("api.users_block", "/users/{person_guid}/block"),
    # 6.14-6.16 tags, search, streams
    ("api.tag_followings", "/tag_followings"),
    ("api.tag_following", "/tag_followings/{tag_name}"),
    ("api.search_users", "/search/users"),
    ("api.search_posts", "/search/posts"),
    ("api.search_tags", "/search/tags"),
    ("api.streams_main", "/streams/main"),
    ("api.streams_activity", "/streams/activity"),
    ("api.streams_aspects", "/streams/aspects"),
    ("api.streams_tags", "/streams/tags"),
    ("api.streams_mentions", "/streams/mentions"),
    ("api.streams_liked", "/streams/liked"),
    ("api.streams_commented", "/streams/commented"),
    # This API's own description.
    ("api.openapi", "/openapi.json"),
)
