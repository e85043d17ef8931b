"""The Builder: people, cycles, assessments and audit chains put together."""

import random

from bench.datagen.assessments import AssessmentsMixin
from bench.datagen.audit import AuditMixin
from bench.datagen.cycles import CyclesMixin
from bench.datagen.people import PeopleMixin
from bench.datagen.shape import PASSWORD


class Ids:
    def __init__(self):
        self.next = {}

    def __call__(self, table):
        self.next[table] = self.next.get(table, 0) + 1
        return self.next[table]



class Builder(PeopleMixin, CyclesMixin, AssessmentsMixin, AuditMixin):
    def __init__(self, writer, cadres, years, now, seed=6):
        self.w, self.n_cadres, self.years, self.now = writer, cadres, years, now
        self.rng = random.Random(seed)
        self.ids = Ids()
        from workflow_app.audit.services import audit_key, entry_hash, head_mac
        from workflow_app.people.passwords import hash_password
        self.entry_hash, self.head_mac, self.key = entry_hash, head_mac, audit_key()
        self.checks = 1000
        self.password_hash = hash_password(PASSWORD)
        self.units, self.towns, self.counties = [], [], []
        self.cadres = []          # (user id, leaf unit id, supervisor id)
        self.leaf_staff = {}      # leaf unit id -> {"committee": [...], "secretary": id}
        self.admin_of = {}        # county unit id -> org_admin user id
