#!/usr/bin/env python3
"""A second, differently shaped AuditLogs stream, for replay benchmarks.

generate_audit.py writes fields in the export's order (envelope `time` first,
`category` early in `properties`, 100 records per message). A pipeline that
re-serializes the export (Python's json.dumps(sort_keys=True), jq -S, a log
shipper) changes that, and a decoder tuned to one order must not fall off on
another. This stream differs on purpose:

- keys sorted at every level: the envelope's `time` comes after `properties`,
  `category` after `additionalDetails`;
- --per-message records per Event Hubs message (default 20);
- --role-share RoleManagement records (default 5%): PIM activations and
  expiries each followed by Core Directory's MS-PIM twin (same target and
  role), permanent removals, and every --burst-every role records a burst of
  3 to 5 Global Administrator removals by one actor;
- ~2.2 KB records (a longer modifiedProperties list than generate_audit.py).

Output as generate_audit.py: one {"records":[...]} per line on stdout,
"records= messages= bytes=" on stderr.

  python3 generate_other.py --size-mb 100 > other.jsonl
  python3 generate_other.py --records 200000 --role-share 0.5 > role-heavy.jsonl
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_audit import BASE, GA, PRA, UA, envelope, guid, ordinary, pim, ts, user  # noqa: E402

MS_PIM = {"app": {"appId": None, "displayName": "MS-PIM",
                  "servicePrincipalId": "bdefcbb6-d8b2-497d-a944-b683d9a36b0c",
                  "servicePrincipalName": None}}
ROLE_NAMES = {GA: "Global Administrator", PRA: "Privileged Role Administrator", UA: "User Administrator"}


def padded_ordinary(rng, n, when, actor):
    """generate_audit's ordinary record with two more modified properties (~2.2 KB)."""
    record = ordinary(rng, n, when, actor)
    record["properties"]["targetResources"][0]["modifiedProperties"].extend([
        {"displayName": "LastDirSyncTime", "oldValue": "[\"2025-02-28T09:12:44Z\"]",
         "newValue": f"[\"{ts(when)}Z\"]"},
        {"displayName": "Included Updated Properties", "oldValue": None,
         "newValue": "\"LastDirSyncTime, AccountEnabled\""}])
    return record


def core_role(rng, n, when, initiator, principal, role, add):
    """Core Directory "Add/Remove member from role" on one user principal."""
    corr = guid(rng)
    role_json = json.dumps(role)
    name_json = json.dumps(ROLE_NAMES[role])
    value = (lambda v: {"oldValue": None, "newValue": v}) if add else (lambda v: {"oldValue": v, "newValue": None})
    return envelope({
        "id": f"Directory_{corr}_{n % 99999:05d}_{n}", "category": "RoleManagement",
        "correlationId": corr, "result": "success", "resultReason": "",
        "activityDisplayName": "Add member to role" if add else "Remove member from role",
        "activityDateTime": ts(when) + "+00:00", "loggedByService": "Core Directory",
        "operationType": "Assign" if add else "Unassign", "userAgent": None, "initiatedBy": initiator,
        "targetResources": [{
            "id": principal["id"], "displayName": None, "type": "User",
            "userPrincipalName": principal["userPrincipalName"], "groupType": None,
            "modifiedProperties": [
                {"displayName": "Role.ObjectID", **value(json.dumps(guid(rng)))},
                {"displayName": "Role.DisplayName", **value(name_json)},
                {"displayName": "Role.TemplateId", **value(role_json)},
                {"displayName": "Role.WellKnownObjectName", **value("\"TenantAdmins\"" if role == GA else "null")}],
            "administrativeUnits": []}],
        "additionalDetails": [],
    }, when)


class RoleStream:
    """Role records in the order PIM and Core Directory write them."""

    def __init__(self, rng, actors, burst_every):
        self.rng, self.actors, self.burst_every = rng, actors, burst_every
        self.pending = []  # records owed after the last one (twins, burst members)
        self.count = 0

    def next(self, n, when):
        if not self.pending:
            self.pending = self.group(n, when)
        return self.pending.pop(0)

    def group(self, n, when):
        rng = self.rng
        self.count += 1
        if self.count % self.burst_every == 0:  # a burst: one actor, 3-5 GA removals
            actor = user(rng.randrange(self.actors))
            return [core_role(rng, n + i, when + i, {"user": actor},
                              {"id": f"bbbbbbbb-0000-0000-0000-{rng.randrange(1_000_000):012d}",
                               "userPrincipalName": f"admin{i}@contoso.com"}, GA, add=False)
                    for i in range(rng.randint(3, 5))]
        actor_n = rng.randrange(self.actors)
        role = rng.choice([GA, PRA, UA])
        kind = rng.random()
        if kind < 0.45:  # activation, then its MS-PIM twin
            return [pim(rng, n, when, actor_n, role, "Add member to role completed (PIM activation)"),
                    core_role(rng, n, when + 0.4, MS_PIM, user(actor_n), role, add=True)]
        if kind < 0.9:  # expiry, then its MS-PIM twin
            return [pim(rng, n, when, actor_n, role, "Remove member from role (PIM activation expired)"),
                    core_role(rng, n, when + 0.4, MS_PIM, user(actor_n), role, add=False)]
        return [core_role(rng, n, when, {"user": user(actor_n)},  # a permanent removal
                          {"id": f"bbbbbbbb-0000-0000-0000-{rng.randrange(1_000_000):012d}",
                           "userPrincipalName": "someone@contoso.com"}, UA, add=False)]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--size-mb", type=float, default=0, help="stop at this size instead of --records")
    p.add_argument("--per-message", type=int, default=20)
    p.add_argument("--role-share", type=float, default=0.05)
    p.add_argument("--actors", type=int, default=10_000)
    p.add_argument("--burst-every", type=int, default=100, help="role record groups between bursts")
    p.add_argument("--seconds-per-record", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=11)
    a = p.parse_args()
    rng = random.Random(a.seed)
    roles = RoleStream(rng, a.actors, a.burst_every)
    limit = a.size_mb * 1e6 if a.size_mb > 0 else None
    n = written = messages = 0
    while (written < limit) if limit else (n < a.records):
        count = a.per_message if limit else min(a.per_message, a.records - n)
        records = []
        for i in range(n, n + count):
            when = BASE + i * a.seconds_per_record
            # Owed twins and burst members take the next role slots: the share holds.
            records.append(roles.next(i, when) if rng.random() < a.role_share else
                           padded_ordinary(rng, i, when, rng.randrange(a.actors)))
        line = json.dumps({"records": records}, separators=(",", ":"), sort_keys=True)
        sys.stdout.write(line + "\n")
        n += count
        written += len(line) + 1
        messages += 1
    print(f"records={n} messages={messages} bytes={written}", file=sys.stderr)


if __name__ == "__main__":
    main()
