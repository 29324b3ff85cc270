"""What the web pages show of the onion service: the Onion-Location header and the address in /admin."""
from __future__ import annotations

from markupsafe import Markup, escape

from .onion import cached_address


def onion_location(event) -> None:
    """Tell Tor Browser that a clearnet page is also on the onion service (HTML pages only)."""
    request, response = event.request, event.response
    if response.content_type != "text/html" or request.origin != request.registry.pod.url:
        return
    address = cached_address(request.registry.pod)
    if address is not None:
        response.headers["Onion-Location"] = f"http://{address}{request.path_qs}"


def dashboard_section(request) -> Markup:
    address = cached_address(request.registry.pod)
    if address is None:
        text = Markup("No onion address yet: start Tor with a control port, then restart the pod or run "
                      "<code>seedpod tor publish</code>.")
    else:
        url = escape(f"http://{address}")
        text = Markup(f'This pod is also a Tor onion service at <a href="{url}" data-testid="onion-address">'
                      f'{url}</a>. <code>seedpod doctor</code> says whether Tor serves it now.')
    return Markup('<h2>Onion service</h2>\n<p class="onion-service" data-testid="onion-service">') + text + \
        Markup("</p>")
