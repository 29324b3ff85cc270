"""Federation's own hookimpls: it learns what local users did from events and plans deliveries."""


# Discovery

from ..hookspecs import hookimpl  # noqa: E402


@hookimpl(trylast=True)
def remote_person_for(diaspora_id, dbsession, pod):
    """People search and mentions find people on other pods through WebFinger and hCard."""
    from .discovery import find_or_fetch_person
    from .errors import DiscoveryError

    try:
        return find_or_fetch_person(dbsession, pod, diaspora_id)
    except DiscoveryError:
        return None  # the reason is logged by discovery

