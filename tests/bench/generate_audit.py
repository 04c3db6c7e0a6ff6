#!/usr/bin/env python3
"""Deterministic, realistic Entra AuditLogs streams for benchmarks.

Each output line is one Event Hubs message {"records":[...]} of --per-message
records (~2 KB each, the real field set). A --role-share of them (default 1%)
are RoleManagement records: PIM activations, expiries, twins, ordinary
removals and, every --burst-every role records, a removal burst by one actor.
--duplicates re-emits that share of messages (Event Hubs redelivery).
--size-mb stops at a size instead of a record count (10 MB .. GBs).

--role-mix removals makes every role record a counted Global Administrator
removal, actor after actor (--actor-order sequential) or at random: with
--role-share 1 that fills state with any number of distinct actors, each
holding one open window (no alert), for the memory and restart benchmarks.

  python3 generate_audit.py --records 1000000 --actors 10000 > audit.jsonl
  python3 generate_audit.py --size-mb 100 > audit-100mb.jsonl
  python3 generate_audit.py --role-share 1 --role-mix removals --actors 1000000 \
      --records 1000000 --seconds-per-record 0.005 > fill.jsonl
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
                {"displayName": "StrongAuthenticationPhoneAppDetail", "oldValue": "[]",
                 "newValue": json.dumps([{"DeviceName": "iPhone", "DeviceToken": f"apns2-{corr}",
                                          "DeviceTag": "SoftwareTokenActivated", "PhoneAppVersion": "6.8.7",
                                          "OathTokenTimeDrift": 0, "NotificationType": "APNS"}])},
                {"displayName": "Included Updated Properties", "oldValue": None,
                 "newValue": "\"AccountEnabled, StsRefreshTokensValidFrom, StrongAuthenticationPhoneAppDetail\""}],
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


def removal_record(rng, n, when, a, state):
    k = state["role"]
    state["role"] += 1
    actor = k % a.actors if a.actor_order == "sequential" else rng.randrange(a.actors)
    return core_removal(rng, n, when, a.actor_offset + actor, rng.randrange(1_000_000), GA)


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
    p.add_argument("--size-mb", type=float, default=0, help="stop at this size instead of --records")
    p.add_argument("--role-mix", choices=["realistic", "removals"], default="realistic")
    p.add_argument("--actor-order", choices=["sequential", "random"], default="sequential",
                   help="--role-mix removals: actors in turn, or drawn at random")
    p.add_argument("--actor-offset", type=int, default=0, help="first actor number")
    p.add_argument("--start-seconds", type=float, default=0, help="event time offset from 2025-03-04T10:00Z")
    a = p.parse_args()
    rng = random.Random(a.seed)
    state = {"role": 0, "burst_every": a.burst_every, "burst_left": 0, "burst_actor": 0}
    limit = a.size_mb * 1e6 if a.size_mb > 0 else None
    records_left = (lambda n: True) if limit else (lambda n: n < a.records)
    out = sys.stdout
    n = written = messages = 0
    while records_left(n) and (limit is None or written < limit):
        count = a.per_message if limit else min(a.per_message, a.records - n)
        line = json.dumps({"records": message_records(rng, n, count, a, state)}, separators=(",", ":"))
        n += count
        copies = 2 if rng.random() < a.duplicates else 1
        out.write((line + "\n") * copies)
        written += (len(line) + 1) * copies
        messages += copies
    # For the harness's records/s (stdout is the stream itself).
    print(f"records={n} messages={messages} bytes={written}", file=sys.stderr)


def message_records(rng, n, count, a, state):
    records = []
    for i in range(n, n + count):
        when = BASE + a.start_seconds + i * a.seconds_per_record
        if rng.random() >= a.role_share:
            records.append(ordinary(rng, i, when, a.actor_offset + rng.randrange(a.actors)))
        elif a.role_mix == "removals":
            records.append(removal_record(rng, i, when, a, state))
        else:
            records.append(role_record(rng, i, when, a.actors, state))
    return records


if __name__ == "__main__":
    main()
