"""The org tree (city → counties → towns → leaf units), accounts and role grants."""

from datetime import timedelta

from bench.datagen.shape import CATEGORIES


class PeopleMixin:
    def org_and_people(self):
        t0 = self.now - timedelta(days=365 * (self.years + 1))
        leaves = max(1, self.n_cadres // 20)
        counties = 10 if leaves >= 100 else max(1, leaves // 10)
        towns_per_county = max(1, round(leaves / counties / 10))
        city = self._unit("城区市", None, "", t0)
        self._grant(self._user("admin", "市委组织部管理员", city, None, t0), "org_admin", city)
        self._grant(self._user("auditor", "市纪委审计员", city, None, t0), "auditor", city)
        made = 0
        for c in range(counties):
            county = self._unit(f"第{c + 1}县", city, "", t0)
            self.counties.append(county)
            admin = self._user(f"orgadmin_{c + 1}", f"县委组织部{c + 1}", county, None, t0)
            self._grant(admin, "org_admin", county)
            self.admin_of[county["id"]] = admin
            for t in range(towns_per_county):
                town = self._unit(f"第{c + 1}县第{t + 1}镇街", county, "", t0)
                self.towns.append(town)
                sec = self._user(f"sec_{town['id']}", f"镇街书记{town['id']}", town, None, t0)
                self._grant(sec, "secretary", town)
                for k in range(10):
                    if made >= leaves:
                        break
                    category = CATEGORIES[(made + k) % 3]
                    kind = "社区" if category == "社区" else "科室"
                    leaf = self._unit(f"{town['name']}第{k + 1}{kind}", town, category, t0)
                    self._leaf_people(leaf, sec, t0)
                    made += 1
        # Leftover leaves (rounding): attach to the last town.
        while made < leaves:
            leaf = self._unit(f"补充单位{made}", self.towns[-1], CATEGORIES[made % 3], t0)
            self._leaf_people(leaf, self.towns and sec, t0)
            made += 1
        self.w.commit()

    def _leaf_people(self, leaf, secretary, t0):
        lid = leaf["id"]
        sups = []
        for s in range(2):
            sup = self._user(f"sup_{lid}_{s}", f"包联领导{lid}-{s}", leaf, None, t0)
            self._grant(sup, "supervisor", leaf)
            sups.append(sup)
        members = []
        for m in range(3):
            mem = self._user(f"com_{lid}_{m}", f"两委委员{lid}-{m}", leaf, None, t0)
            self._grant(mem, "committee", leaf)
            members.append(mem)
        self.leaf_staff[lid] = {"committee": members, "secretary": secretary,
                                "county": self._county_of(leaf)}
        for i in range(20):
            sup = sups[i // 10]
            uid = self._user(f"cadre_{lid}_{i}", f"干部{lid}-{i}", leaf, sup, t0,
                             email=i % 2 == 0)
            self._grant(uid, "cadre", leaf)
            self.cadres.append((uid, lid, sup))

    def _county_of(self, leaf):
        parts = [int(p) for p in leaf["path"].strip("/").split("/")]
        return parts[1] if len(parts) > 1 else parts[0]

    def _unit(self, name, parent, category, at):
        uid = self.ids("org_unit")
        path = (parent["path"] if parent else "/") + f"{uid}/"
        unit = {"id": uid, "name": name, "path": path}
        self.w.add("org_unit", (uid, name, parent["id"] if parent else None, category, path, at))
        self.units.append(unit)
        return unit

    def _user(self, username, name, unit, supervisor, at, email=True):
        uid = self.ids("user_account")
        self.w.add("user_account", (
            uid, username, self.password_hash, name,
            f"{username}@example.gov.cn" if email else "", f"138{uid:08d}"[:11],
            unit["id"], supervisor, True, "", at))
        return uid

    def _grant(self, user_id, role, unit):
        self.w.add("role_grant", (self.ids("role_grant"), user_id, role, unit["id"]))
