"""Outbound HTTP for the pod and its plugins, to pods and to any other service.

Plugins fetch from oEmbed providers, post to the X API or page through the Tumblr API with
these functions, never with ``requests`` directly: the pod's rules then hold for every byte
that leaves it (https unless ``federation.allow_http``, no private addresses unless
``federation.allow_private_addresses``, timeouts, a size limit, the ``http_transport_for``
hook, blocked hosts). See :mod:`core.federation.http` for the rules in full.

* ``get(pod, url, purpose=..., accept=None)`` returns a 2xx :class:`Response` or raises
  :class:`HTTPError` (``.status``);
* ``request(pod, method, url, purpose=..., params=, headers=, data=, files=, auth=,
  max_bytes=)`` returns the final answer whatever its status;
* both raise :class:`Refused` when a rule forbids the request and :class:`Unreachable` when
  nothing answered. All three errors are :class:`RequestFailed`.
"""
from .federation.http import (  # noqa: F401 - the public names
    HTTPError,
    PayloadTooLarge,
    Refused,
    RequestFailed,
    Response,
    Unreachable,
    get,
    request,
)

__all__ = ["HTTPError", "PayloadTooLarge", "Refused", "RequestFailed", "Response", "Unreachable", "get", "request"]
