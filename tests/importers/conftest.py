import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.importers.example import ExamplePlugin, png


@pytest.fixture
def example():
    """The example importer plugin of this test's pod."""
    return ExamplePlugin()


@pytest.fixture
def pod(make_pod, example):
    """The test pod, with the example importers and no bundled plugin."""
    return make_pod(extra_plugins={"example": example}, plugins="")


class PhotoHandler(BaseHTTPRequestHandler):
    """Serves ``/photos/<name>.png`` as a small PNG, and 404 for anything else."""

    def do_GET(self):
        self.server.requests.append(self.path)
        if self.path.startswith("/photos/") and self.path.endswith(".png"):
            body, status, kind = png(), 200, "image/png"
        else:
            body, status, kind = b"not found", 404, "text/plain"
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def photo_server():
    """A local photo host: ``photo_server.url`` is its base URL, ``.requests`` what it was asked."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), PhotoHandler)
    server.requests = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
