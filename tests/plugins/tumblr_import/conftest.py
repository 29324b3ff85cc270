import pytest

from .fake_tumblr import FakeTumblr


@pytest.fixture
def tumblr():
    fake = FakeTumblr()
    fake.thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()
    fake.thread.join(timeout=5)
