"""Evidence files of an objection (异议 / 申诉): a link from the objection to the file.

The file itself is an ordinary Attachment (checked, stored outside the web root);
the link keeps it apart from the self-report's evidence and ties it to the objection.
"""

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.extensions import db
from workflow_app.models_base import pk


class ObjectionEvidence(db.Model):
    __tablename__ = "objection_evidence"
    id: Mapped[int] = pk()
    objection_id: Mapped[int] = mapped_column(
        ForeignKey("objection.id", ondelete="CASCADE"), index=True)
    # A file belongs to one objection only.
    attachment_id: Mapped[int] = mapped_column(
        ForeignKey("attachment.id", ondelete="CASCADE"), unique=True)

    attachment = relationship("Attachment", lazy="joined")
