#!/usr/bin/env python3
"""Writes deploy/demo/sample-attack.jsonl: the demo's Event Hubs traffic.

Each output line is one Event Hubs message body ({"records":[...]}) as an
Entra ID diagnostic setting exports AuditLogs. Composed data (invented ids
and names, real role template ids), shaped like the samples in the audit log
format reference. Deterministic: re-running gives the same file.

    python3 deploy/demo/make-sample.py > deploy/demo/sample-attack.jsonl

What is in it (one morning, 2025-03-04, tenant 1111...):
  * ordinary traffic: user updates, group membership, password resets,
    application changes, PIM activations of GA/PRA by admins with their
    Core Directory twins (initiated by MS-PIM) and later expiries;
  * one legitimate single GA removal (an offboarding: below the threshold);
  * the burst (LAPSUS$-style lockout, MITRE T1531): the compromised account
    mallory@contoso.onmicrosoft.com removes Global Administrator and
    Privileged Role Administrator from five admins within four minutes,
    through Core Directory and through PIM (eligible and active
    assignments), including the MS-PIM Core Directory twin of a PIM removal
    and one record delivered twice (Event Hubs is at-least-once).

Expected result: exactly one alert, for mallory, at the third distinct
(admin, role) removal.
"""
import json
import random
import sys
from datetime import datetime, timedelta, timezone

TENANT = "11111111-2222-3333-4444-555555555555"
GA = ("62e90394-69f5-4237-9190-012177145e10", "Global Administrator", "TenantAdmins")
PRA = ("e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator",
       "PrivilegedRoleAdmins")
MS_PIM = {"appId": None, "displayName": "MS-PIM",
          "servicePrincipalId": "bdefcbb6-d8b2-497d-a944-b683d9a36b0c",
          "servicePrincipalName": None}

rng = random.Random(20250304)


def guid():
    return "%08x-%04x-4%03x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16),
                                           rng.getrandbits(12), 0x8000 | rng.getrandbits(14),
                                           rng.getrandbits(48))


def user(uid, name, upn, ip):
    return {"id": uid, "displayName": name, "userPrincipalName": upn, "ipAddress": ip,
            "roles": []}


ADMINS = [
    user("cccccccc-0000-0000-0000-000000000010", "Alice Admin", "alice.admin@contoso.com",
         "198.51.100.7"),
    user("cccccccc-0000-0000-0000-000000000011", "Bob Ops", "bob.ops@contoso.com",
         "198.51.100.8"),
    user("cccccccc-0000-0000-0000-000000000012", "Carol Sec", "carol.sec@contoso.com",
         "198.51.100.9"),
    user("cccccccc-0000-0000-0000-000000000013", "Dan Breakglass",
         "breakglass1@contoso.onmicrosoft.com", "198.51.100.10"),
    user("cccccccc-0000-0000-0000-000000000014", "Erin Identity", "erin.id@contoso.com",
         "198.51.100.11"),
]
MALLORY = user("aaaaaaaa-0000-0000-0000-000000000001", "Mallory Attacker",
               "mallory@contoso.onmicrosoft.com", "203.0.113.45")
HELPDESK = user("dddddddd-0000-0000-0000-000000000020", "Helen Helpdesk",
                "helen.helpdesk@contoso.com", "198.51.100.30")
STAFF = [user("eeeeeeee-0000-0000-0000-0000000000%02d" % i, "Staff %d" % i,
              "staff%d@contoso.com" % i, "198.51.100.%d" % (40 + i)) for i in range(1, 9)]


def stamp(t, digits=7):
    text = t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"
    return text[: 20 + digits]


def envelope(t, activity, identity, props, caller_ip="<null>"):
    corr = props["correlationId"]
    return {
        "time": stamp(t) + "Z",
        "resourceId": "/tenants/%s/providers/Microsoft.aadiam" % TENANT,
        "operationName": activity, "operationVersion": "1.0", "category": "AuditLogs",
        "tenantId": TENANT, "resultSignature": "None", "durationMs": 0,
        "callerIpAddress": caller_ip, "correlationId": corr, "identity": identity,
        "Level": 4, "properties": props,
    }


def properties(t, category, activity, service, op, initiated_by, targets, details=(),
               result="success", reason="", record_id=None):
    corr = guid()
    if record_id is None:
        prefix = "Directory_%s_%s_%d" % (corr, "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
                                                       for _ in range(5)),
                                         rng.randrange(10**8, 10**9))
        record_id = prefix if service == "Core Directory" else "PIM_%s_%s_%d" % (
            corr, guid(), rng.randrange(10**17, 10**18))
    return {
        "id": record_id, "category": category, "correlationId": corr, "result": result,
        "resultReason": reason, "activityDisplayName": activity,
        "activityDateTime": stamp(t) + "+00:00", "loggedByService": service,
        "operationType": op, "userAgent": None, "initiatedBy": initiated_by,
        "targetResources": list(targets),
        "additionalDetails": [{"key": k, "value": v} for k, v in details],
    }


def by_user(u):
    return {"user": u}


def core_role_change(t, actor, target, role, add, initiated_by=None):
    activity = "Add member to role" if add else "Remove member from role"
    old, new = (None, '"%s"') if add else ('"%s"', None)
    mods = []
    for name, value in (("Role.ObjectID", guid()), ("Role.DisplayName", role[1]),
                        ("Role.TemplateId", role[0]), ("Role.WellKnownObjectName", role[2])):
        mods.append({"displayName": name,
                     "oldValue": old % value if old else None,
                     "newValue": new % value if new else None})
    target_resource = {"id": target["id"], "displayName": None, "type": "User",
                       "userPrincipalName": target["userPrincipalName"],
                       "modifiedProperties": mods, "administrativeUnits": []}
    initiated = initiated_by or by_user(actor)
    props = properties(t, "RoleManagement", activity, "Core Directory",
                       "Assign" if add else "Unassign", initiated, [target_resource])
    identity = initiated.get("app", initiated.get("user", {}))["displayName"]
    ip = actor["ipAddress"] if actor else "<null>"
    return envelope(t, activity, identity, props, ip)


def pim_record(t, activity, actor, target, role, op="Delete", extra=()):
    targets = [
        {"id": role[0], "displayName": role[1], "type": "Role", "modifiedProperties": [],
         "administrativeUnits": []},
        {"id": guid(), "type": "Request", "administrativeUnits": []},
        {"id": target["id"], "displayName": target["displayName"], "type": "User",
         "userPrincipalName": target["userPrincipalName"], "administrativeUnits": []},
        {"id": TENANT, "displayName": "Contoso", "type": "Directory", "administrativeUnits": []},
    ]
    details = [("RoleDefinitionOriginId", role[0]), ("RoleDefinitionOriginType", "BuiltInRole"),
               ("TemplateId", role[0]), ("ipaddr", actor["ipAddress"] or ""),
               ("oid", actor["id"]), ("tid", TENANT)] + list(extra)
    props = properties(t, "RoleManagement", activity, "PIM", op, by_user(actor), targets, details)
    return envelope(t, activity, actor["displayName"], props)


def pim_activation(t, admin, role):
    start, end = t - timedelta(seconds=1), t + timedelta(hours=1)
    return pim_record(t, "Add member to role completed (PIM activation)", admin, admin, role,
                      "Update", [("StartTime", stamp(start) + "Z"),
                                 ("ExpirationTime", stamp(end) + "Z"),
                                 ("Justification", "CHG%04d routine change" % rng.randrange(10000)),
                                 ("AuditType", "ActivateRole"), ("IsAuthenticatedWithMfa", "True")])


def activation_expired(t, admin, role):
    system = {"id": "9dfd627f-bdc5-4b1c-af9d-c85097fdeff8", "displayName": "Azure AD PIM",
              "userPrincipalName": None, "ipAddress": None, "userType": None}
    return pim_record(t, "Remove member from role (PIM activation expired)", system, admin, role,
                      "Delete", [("AuditType", "RemoveActivatedRole"), ("ActionType", "Revoke")])


def directory_noise(t):
    kind = rng.choice(["Update user", "Add member to group", "Remove member from group",
                       "Reset user password", "Update application", "Add user",
                       "Update group"])
    actor = rng.choice([HELPDESK] + ADMINS[:3])
    target = rng.choice(STAFF)
    category = {"Update user": "UserManagement", "Add user": "UserManagement",
                "Reset user password": "UserManagement",
                "Update application": "ApplicationManagement"}.get(kind, "GroupManagement")
    targets = [{"id": target["id"], "displayName": target["displayName"], "type": "User",
                "userPrincipalName": target["userPrincipalName"], "modifiedProperties": [],
                "administrativeUnits": []}]
    props = properties(t, category, kind, "Core Directory", "Update", by_user(actor), targets)
    return envelope(t, kind, actor["displayName"], props, actor["ipAddress"])


def ordinary_morning(start):
    """(time, record) pairs: noise plus PIM activations with twins and expiries."""
    events = []
    for i in range(95):
        events.append(directory_noise(start + timedelta(seconds=rng.randrange(0, 3 * 3600))))
    for admin, role, minute in ((ADMINS[0], PRA, 12), (ADMINS[1], GA, 37), (ADMINS[2], PRA, 95)):
        t = start + timedelta(minutes=minute)
        events.append(pim_activation(t, admin, role))
        events.append(core_role_change(t - timedelta(seconds=4), None, admin, role, add=True,
                                       initiated_by={"app": MS_PIM}))
        events.append(activation_expired(t + timedelta(hours=1, seconds=2), admin, role))
        events.append(core_role_change(t + timedelta(hours=1), None, admin, role, add=False,
                                       initiated_by={"app": MS_PIM}))
    # Offboarding: one GA removal by a legitimate admin (below the threshold).
    events.append(core_role_change(start + timedelta(minutes=50), ADMINS[4],
                                   user("ffffffff-0000-0000-0000-000000000099", "Former Admin",
                                        "former.admin@contoso.com", None), GA, add=False))
    return events


def burst(start):
    """The lockout: GA and PRA removed from five admins within four minutes."""
    t = start
    step = lambda s: t + timedelta(seconds=s)
    records = [
        core_role_change(step(0), MALLORY, ADMINS[0], GA, add=False),
        core_role_change(step(21), MALLORY, ADMINS[1], GA, add=False),
        pim_record(step(55), "Remove eligible member from role in PIM completed (permanent)",
                   MALLORY, ADMINS[2], GA),
        pim_record(step(80), "Remove member from role in PIM completed (permanent)", MALLORY,
                   ADMINS[3], PRA),
        # PIM performs the removal in the directory: the MS-PIM twin.
        core_role_change(step(79), None, ADMINS[3], PRA, add=False, initiated_by={"app": MS_PIM}),
        pim_record(step(140), "Remove eligible member from role in PIM completed (timebound)",
                   MALLORY, ADMINS[4], PRA),
        core_role_change(step(201), MALLORY, ADMINS[0], PRA, add=False),
    ]
    return records


def main():
    morning = datetime(2025, 3, 4, 8, 30, tzinfo=timezone.utc)
    records = ordinary_morning(morning) + burst(datetime(2025, 3, 4, 10, 15, 2, tzinfo=timezone.utc))
    records.sort(key=lambda r: r["properties"]["activityDateTime"])
    # Event Hubs batches records into messages of varying size.
    messages, i = [], 0
    while i < len(records):
        n = rng.choice([1, 1, 2, 2, 3, 4])
        messages.append(records[i:i + n])
        i += n
    # At-least-once: one burst record arrives again in a later message.
    duplicate = next(r for r in records if r["identity"] == "Mallory Attacker")
    messages.insert(len(messages) - 2, [duplicate])
    out = sys.stdout
    for batch in messages:
        out.write(json.dumps({"records": batch}, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
