"""Why a federation payload was refused.

Every refusal is a ProtocolError whose text says exactly what was wrong, because that text is
what the inbox records and what a podmin reads when another pod's posts do not arrive. The
subclasses let callers tell apart "the payload is broken" from "it is fine but not allowed" or
"we cannot find what it refers to" without parsing messages.
"""


class ProtocolError(Exception):
    """Anything about a payload that makes us refuse it; ``str(exc)`` is the reason."""


class EnvelopeError(ProtocolError):
    """A malformed magic envelope or encrypted envelope: structure, base64, data type, algorithm."""


class SignatureError(ProtocolError):
    """A signature (envelope, author_signature, account migration) does not verify."""


class EntityError(ProtocolError):
    """An unknown entity, or a missing or invalid property (PROTOCOL.md §8, §16)."""


class AuthorizationError(ProtocolError):
    """The sender may not send this entity, or it is not public on the public route (§6.3)."""


class DiscoveryError(ProtocolError):
    """WebFinger or hCard failed, or the address was refused."""


class FetchError(ProtocolError):
    """``GET /fetch/...`` of a missing object failed."""


class NotFound(ProtocolError):
    """Something the payload refers to (retraction target, parent) is not known here."""
