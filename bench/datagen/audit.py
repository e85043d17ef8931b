"""Audit chains hashed exactly as `audit.services.entry_hash`, with their heads (a head
row, or for an assessment the MAC on its own row)."""

import hashlib
import hmac
import json

from bench.datagen.shape import GENESIS

_dumps = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


class AuditMixin:
    def _hash(self, fields, at, prev):
        """`audit.services.entry_hash` (HMAC), inlined for speed; checked against it at start."""
        body = dict(fields)
        body["at"] = (f"{at.year:04d}-{at.month:02d}-{at.day:02d}T{at.hour:02d}:"
                      f"{at.minute:02d}:{at.second:02d}.{at.microsecond:06d}")
        body["prev_hash"] = prev
        text = _dumps(body)
        digest = hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()
        if self.checks:
            self.checks -= 1
            assert digest == self.entry_hash(fields, at, prev, self.key), "MAC differs"
        return digest

    def _chain(self, subject_type, subject_id, entries):
        prev = GENESIS
        for seq, e in enumerate(entries, start=1):
            fields = {"subject_type": subject_type, "subject_id": subject_id, "seq": seq,
                      "actor_id": e.get("actor_id"), "actor_role": e.get("actor_role", ""),
                      "on_behalf_of_id": None, "action": e["action"],
                      "from_state": e.get("from_state", ""), "to_state": e.get("to_state", ""),
                      "comment": e.get("comment", ""), "data": e.get("data") or {},
                      "client_addr": "10.0.0.8" if e.get("actor_id") else ""}
            digest = self._hash(fields, e["at"], prev)
            self.w.add("audit_entry", (
                None, subject_type, subject_id, seq, fields["actor_id"],
                fields["actor_role"], None, e["at"], fields["action"], fields["from_state"],
                fields["to_state"], fields["comment"], fields["data"], fields["client_addr"],
                prev, digest))
            prev = digest
        mac = self.head_mac(subject_type, subject_id, len(entries), prev, self.key)
        if subject_type != "assessment":  # an assessment's head is on its own row
            self.w.add("audit_chain_head", (subject_type, subject_id, len(entries), prev, mac))
        return prev, len(entries), mac
