"""The OpenID Connect provider: discovery, registration, consent, tokens, user_info."""


def includeme(config):
    pass
