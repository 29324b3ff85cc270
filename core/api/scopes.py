"""The scopes an API token can carry, in diaspora*'s order (API_V1.md §4), with the words the
consent page and the token form show for each."""
from __future__ import annotations

SCOPES: dict[str, str] = {
    "contacts:modify": "Change your aspects, add and remove people, block and unblock",
    "contacts:read": "See your aspects and the people in them",
    "conversations": "Read and write your private conversations",
    "email": "Know your email address",
    "interactions": "Comment, like, vote, subscribe, hide and report for you",
    "name": "Know your name",
    "nickname": "Know your display name",
    "notifications": "Read your notifications and mark them read",
    "openid": "Sign you in with your Seedpod account",
    "picture": "See your profile picture",
    "private:modify": "Post and delete limited posts and photos for you",
    "private:read": "Read limited posts and photos shared with you",
    "profile": "Read profiles, yours and other people's",
    "profile:modify": "Change your profile",
    "profile:read_private": "Read the private parts of your profile",
    "public:modify": "Post, reshare and delete public posts and photos for you",
    "public:read": "Read public posts, comments, likes and photos",
    "sub": "Know your account's identifier",
    "tags:modify": "Follow and unfollow tags for you",
    "tags:read": "See which tags you follow",
}

# Every grant carries it; diaspora* adds it to whatever the user approves.
ALWAYS = "public:read"
PRIVATE = ("private:read", "private:modify")


class ScopeError(ValueError):
    pass


def parse(raw) -> list[str]:
    """A granted scope list in diaspora*'s order: unknown names refused, ``public:read`` added,
    private scopes only with ``contacts:read``."""
    names = raw.split() if isinstance(raw, str) else list(raw)
    for name in names:
        if name not in SCOPES:
            raise ScopeError(f"Unknown scope: {name}")
    wanted = set(names) | {ALWAYS}
    if wanted & set(PRIVATE) and "contacts:read" not in wanted:
        raise ScopeError("private:read and private:modify require contacts:read as well")
    return [name for name in SCOPES if name in wanted]
