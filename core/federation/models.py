"""Federation as state in the database (DESIGN.md §3, §5).

Every payload that arrives is an InboxItem and every payload that leaves is a Delivery: a
row with a state, an attempt count and a next-attempt time. Workers get ids and are
idempotent; a periodic sweep picks up whatever is overdue.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import Base, UTCDateTime, utcnow

# InboxItem and Delivery states.
PENDING = "pending"
SENDING = "sending"      # a worker holds it; the sweep frees it if the worker died
DONE = "done"
REJECTED = "rejected"    # inbox: refused for good, with the reason
FAILED = "failed"        # delivery: given up after the last retry

# Pod states.
POD_UNKNOWN = "unknown"
POD_UP = "up"
POD_DOWN = "down"


class Pod(Base):
    """Another pod, keyed by lower-case ``host[:port]`` (PROTOCOL.md §5.4)."""

    __tablename__ = "pods"

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(255), unique=True)
    # Once a pod was seen on https it stays https.
    https: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[str] = mapped_column(String(16), default=POD_UNKNOWN)
    # Failed deliveries in a row; reset by any success.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_success_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    down_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the health check probes a down pod next.
    next_check_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    software: Mapped[str | None] = mapped_column(String(255))
    version: Mapped[str | None] = mapped_column(String(255))
    # An admin blocked this pod: nothing is sent to it (deliveries wait, nothing is lost)
    # and everything it sends is refused.
    blocked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # One worker at a time delivers to a pod, in order: it holds the pod until then.
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def base_url(self) -> str:
        return f"{'https' if self.https else 'http'}://{self.host}"


class InboxItem(Base):
    """One payload POSTed to /receive/public or /receive/users/<guid>, as it arrived."""

    __tablename__ = "inbox_items"
    __table_args__ = (Index("ix_inbox_items_state_next_attempt_at", "state", "next_attempt_at"),
                      Index("ix_inbox_items_body_sha256", "body_sha256"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # "public", or "private" with the local recipient.
    route: Mapped[str] = mapped_column(String(16))
    recipient_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    body: Mapped[bytes] = mapped_column(LargeBinary)
    body_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # Filled in as processing learns them; shown to admins with the reason.
    sender: Mapped[str | None] = mapped_column(String(255))
    entity_type: Mapped[str | None] = mapped_column(String(64))
    entity_guid: Mapped[str | None] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(Text)


class Delivery(Base):
    """One envelope for one pod (public) or one person (private)."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_pod_id_state_id", "pod_id", "state", "id"),
                      # A pod's due rows, walked in the order the user acted (sending._next_due).
                      Index("ix_deliveries_pod_id_state_created_at_id", "pod_id", "state", "created_at", "id"),
                      Index("ix_deliveries_state_next_attempt_at", "state", "next_attempt_at"),
                      Index("ix_deliveries_entity_guid", "entity_guid"))

    id: Mapped[int] = mapped_column(primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id", ondelete="CASCADE"))
    # Private deliveries go to one person, encrypted to their key at send time.
    recipient_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"),
                                                            index=True)
    sender_person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    entity_type: Mapped[str] = mapped_column(String(64))
    entity_guid: Mapped[str] = mapped_column(String(255))
    # The signed Magic Envelope XML (§6.1), complete with its declaration.
    envelope: Mapped[bytes] = mapped_column(LargeBinary)
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    pod: Mapped[Pod] = relationship(lazy="joined")

    @property
    def private(self) -> bool:
        return self.recipient_person_id is not None


class RelayableXml(Base):
    """The entity XML of a comment, like or poll participation exactly as its author signed
    it (element order, unknown elements, ``author_signature``): relayed byte for byte."""

    __tablename__ = "relayable_xml"
    __table_args__ = (UniqueConstraint("entity_type", "guid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(64))
    guid: Mapped[str] = mapped_column(String(255))
    xml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
