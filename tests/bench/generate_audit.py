#!/usr/bin/env python3
"""Deterministic, realistic Entra AuditLogs streams for benchmarks.

Each output line is one Event Hubs message {"records":[...]} of --per-message
records (~2 KB each, the real field set). A --role-share of them (default 1%)
are RoleManagement records: PIM activations, expiries, twins, ordinary
removals and, every --burst-every role records, a removal burst by one actor.
--duplicates re-emits that share of messages (Event Hubs redelivery).

  python3 generate_audit.py --records 1000000 --actors 10000 > audit.jsonl
"""
import argparse
import json
import random
import sys

TENANT = "11111111-2222-3333-4444-555555555555"
GA = "62e90394-69f5-4237-9190-012177145e10"
PRA = "e8611ab8-c189-46e8-94e1-60213ab1f814"
UA = "fe930be7-5e62-47db-91af-98c3a49a38b1"
BASE = 1741082400  # 2025-03-04T10:00:00Z


def ts(seconds):
    s = int(seconds)
    frac = int((seconds - s) * 10_000_000)
    h, rem = divmod(s % 86400, 3600)
    m, sec = divmod(rem, 60)
    day = 4 + (s - BASE + 36000) // 86400  # BASE is 10:00 on March 4th
    return f"2025-03-{day:02d}T{h:02d}:{m:02d}:{sec:02d}.{frac:07d}"


def guid(rng):
    return "%08x-%04x-%04x-%04x-%012x" % (rng.getrandbits(32), rng.getrandbits(16),
                                          rng.getrandbits(16), rng.getrandbits(16),
                                          rng.getrandbits(48))


def user(n):
    return {"id": f"aaaaaaaa-0000-0000-0000-{n:012d}", "displayName": f"User {n}",
            "userPrincipalName": f"user{n}@contoso.com", "ipAddress": f"198.51.{n % 250}.{n % 200 + 1}",
            "roles": []}


def envelope(props, when):
    init = props["initiatedBy"]
    who = (init.get("user") or init.get("app") or {}).get("displayName", "")
    return {"time": ts(when) + "Z",
            "resourceId": f"/tenants/{TENANT}/providers/Microsoft.aadiam",
            "operationName": props["activityDisplayName"], "operationVersion": "1.0",
            "category": "AuditLogs", "tenantId": TENANT, "resultSignature": "None",
            "durationMs": 0, "callerIpAddress": "203.0.113.9",
            "correlationId": props["correlationId"], "identity": who, "Level": 4,
            "properties": props}


def ordinary(rng, n, when, actor):
    corr = guid(rng)
    activity, category = rng.choice([
        ("Update user", "UserManagement"), ("Add member to group", "GroupManagement"),
        ("Update application", "ApplicationManagement"), ("Update device", "Device"),
        ("Update policy", "Policy")])
    return envelope({
        "id": f"Directory_{corr}_{n % 99999:05d}_{n}", "category": category,
        "correlationId": corr, "result": "success", "resultReason": "",
        "activityDisplayName": activity, "activityDateTime": ts(when) + "+00:00",
        "loggedByService": "Core Directory", "operationType": "Update", "userAgent": None,
        "initiatedBy": {"user": user(actor)},
        "targetResources": [{
            "id": guid(rng), "displayName": f"Object {n}", "type": "User",
            "userPrincipalName": f"target{n % 5000}@contoso.com", "groupType": None,
            "modifiedProperties": [
                {"displayName": "AccountEnabled", "oldValue": "[true]", "newValue": "[true]"},
                {"displayName": "StsRefreshTokensValidFrom", "oldValue": "[\"2025-01-01T00:00:00Z\"]",
                 "newValue": f"[\"{ts(when)}Z\"]"},
                {"displayName": "Included Updated Properties", "oldValue": None,
                 "newValue": "\"AccountEnabled, StsRefreshTokensValidFrom\""}],
            "administrativeUnits": []}],
        "additionalDetails": [{"key": "UserType", "value": "Member"},
                              {"key": "User-Agent", "value": "Microsoft Azure Graph Client Library 2.1.17"}],
    }, when)


def core_removal(rng, n, when, actor, target, role, pim_twin=False):
    corr = guid(rng)
    init = ({"app": {"appId": None, "displayName": "MS-PIM",
                     "servicePrincipalId": "bdefcbb6-d8b2-497d-a944-b683d9a36b0c",
                     "servicePrincipalName": None}} if pim_twin else {"user": user(actor)})
    return envelope({
        "id": f"Directory_{corr}_{n % 99999:05d}_{n}", "category": "RoleManagement",
        "correlationId": corr, "result": "success", "resultReason": "",
        "activityDisplayName": "Remove member from role", "activityDateTime": ts(when) + "+00:00",
        "loggedByService": "Core Directory", "operationType": "Unassign", "userAgent": None,
        "initiatedBy": init,
        "targetResources": [{
            "id": f"bbbbbbbb-0000-0000-0000-{target:012d}", "displayName": None, "type": "User",
            "userPrincipalName": f"admin{target}@contoso.com", "groupType": None,
            "modifiedProperties": [
                {"displayName": "Role.ObjectID", "oldValue": "\"c4d2a9e1-0f3b-4c5d-8e7f-1a2b3c4d5e6f\"", "newValue": None},
                {"displayName": "Role.DisplayName", "oldValue": "\"Global Administrator\"", "newValue": None},
                {"displayName": "Role.TemplateId", "oldValue": json.dumps(role), "newValue": None},
                {"displayName": "Role.WellKnownObjectName", "oldValue": "\"TenantAdmins\"", "newValue": None}],
            "administrativeUnits": []}],
        "additionalDetails": [],
    }, when)


def pim(rng, n, when, actor, role, activity):
    corr = guid(rng)
    return envelope({
        "id": f"PIM_{corr}_{guid(rng)}_{n}", "category": "RoleManagement", "correlationId": corr,
        "result": "success", "resultReason": "routine", "activityDisplayName": activity,
        "activityDateTime": ts(when) + "+00:00", "loggedByService": "PIM", "operationType": "Update",
        "initiatedBy": {"user": user(actor)},
        "targetResources": [
            {"id": role, "displayName": "Role", "type": "Role", "modifiedProperties": [], "administrativeUnits": []},
            {"id": guid(rng), "type": "Request", "administrativeUnits": []},
            {"id": user(actor)["id"], "displayName": f"User {actor}", "type": "User",
             "userPrincipalName": f"user{actor}@contoso.com", "administrativeUnits": []},
            {"id": TENANT, "displayName": "Contoso", "type": "Directory", "administrativeUnits": []}],
        "additionalDetails": [
            {"key": "RoleDefinitionOriginId", "value": role}, {"key": "TemplateId", "value": role},
            {"key": "StartTime", "value": ts(when) + "Z"}, {"key": "ExpirationTime", "value": ts(when + 3600) + "Z"},
            {"key": "Justification", "value": "routine"}, {"key": "ipaddr", "value": "198.51.100.7"}],
    }, when)


def role_record(rng, n, when, actors, state):
    state["role"] += 1
    if state["role"] % state["burst_every"] == 0:
        state["burst_actor"] = rng.randrange(actors)
        state["burst_left"] = 4
    if state["burst_left"] > 0:
        state["burst_left"] -= 1
        return core_removal(rng, n, when, state["burst_actor"], rng.randrange(1_000_000), GA)
    kind = rng.random()
    actor = rng.randrange(actors)
    if kind < 0.4:
        return pim(rng, n, when, actor, rng.choice([GA, PRA, UA]), "Add member to role completed (PIM activation)")
    if kind < 0.7:
        return pim(rng, n, when, actor, rng.choice([GA, PRA, UA]), "Remove member from role (PIM activation expired)")
    if kind < 0.85:
        return core_removal(rng, n, when, actor, rng.randrange(1_000_000), GA, pim_twin=True)
    return core_removal(rng, n, when, actor, rng.randrange(1_000_000), UA)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--records", type=int, default=100_000)
    p.add_argument("--per-message", type=int, default=100)
    p.add_argument("--role-share", type=float, default=0.01)
    p.add_argument("--actors", type=int, default=10_000)
    p.add_argument("--burst-every", type=int, default=200, help="role records between bursts")
    p.add_argument("--duplicates", type=float, default=0.001)
    p.add_argument("--seconds-per-record", type=float, default=0.01)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    rng = random.Random(a.seed)
    state = {"role": 0, "burst_every": a.burst_every, "burst_left": 0, "burst_actor": 0}
    out = sys.stdout
    n = 0
    while n < a.records:
        records = []
        for _ in range(min(a.per_message, a.records - n)):
            when = BASE + n * a.seconds_per_record
            if rng.random() < a.role_share:
                records.append(role_record(rng, n, when, a.actors, state))
            else:
                records.append(ordinary(rng, n, when, rng.randrange(a.actors)))
            n += 1
        line = json.dumps({"records": records}, separators=(",", ":"))
        out.write(line + "\n")
        if rng.random() < a.duplicates:
            out.write(line + "\n")


if __name__ == "__main__":
    main()
