import pytest


@pytest.fixture
def pod(make_pod):
    """The test pod with this plugin alone enabled, on both databases."""
    return make_pod(plugins="twitter_import")
