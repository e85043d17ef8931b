"""Append-only audit log, MAC-chained per subject (an assessment, a cycle, a user …)."""

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.extensions import db
from workflow_app.models_base import pk, timestamp


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"
    id: Mapped[int] = pk()
    subject_type: Mapped[str] = mapped_column(String(30))
    subject_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_role: Mapped[str] = mapped_column(String(30), default="")
    # Who the actor stood in for (a substitute acting for an absent reviewer).
    on_behalf_of_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at = timestamp(nullable=False)
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str] = mapped_column(String(30), default="")
    to_state: Mapped[str] = mapped_column(String(30), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    client_addr: Mapped[str] = mapped_column(String(64), default="")
    # The request (or job run) that wrote the entry, to find its log lines. Operational
    # metadata: outside the MAC (audit/services.py HASHED), like the row's id.
    request_id: Mapped[str | None] = mapped_column(String(64))
    # HMAC-SHA256 (key AUDIT_KEY, outside the database) of the previous entry and of
    # this one; the names stay from the time they were plain SHA-256 hashes.
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    # Also the lock that keeps two writers from forking one chain.
    __table_args__ = (UniqueConstraint("subject_type", "subject_id", "seq"),)


class AuditChainHead(db.Model):
    """The newest entry of every chain, so deleting the tail of a chain shows.

    `head_mac` covers the other columns with the audit key: a database writer cannot
    move a head back to an earlier entry of the chain. Written in the same
    transaction as the entry; the row is also the lock that serialises appends.
    """

    __tablename__ = "audit_chain_head"
    subject_type: Mapped[str] = mapped_column(String(30), primary_key=True)
    subject_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    count: Mapped[int] = mapped_column(Integer)  # = the last entry's seq
    last_mac: Mapped[str] = mapped_column(String(64))
    head_mac: Mapped[str] = mapped_column(String(64))
