"""Personal access tokens in the user's settings."""


def includeme(config):
    pass
