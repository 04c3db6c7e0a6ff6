#!/usr/bin/env python3
"""Writes the audit records the shipped rule tests (rules/tests/*.yaml) read.

Shaped like the reference samples C1-C4 of docs/reference/audit-log-format.md
§13 (all values invented): one Event Hubs message per line, as `replay` reads.
Run from this directory: python3 make_records.py
"""
import csv
import json

TENANT = "11111111-2222-3333-4444-555555555555"
GA = ("62e90394-69f5-4237-9190-012177145e10", "Global Administrator")
PRA = ("e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator")
USER_ADMIN = ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator")
GROUP = "2b5ed229-4072-478d-9504-a047ebd4b07d"


def person(n, upn, name):
    return {"id": f"aaaaaaaa-0000-0000-0000-{n:012d}", "displayName": name,
            "userPrincipalName": upn, "ipAddress": "203.0.113.45"}


MALLORY = person(1, "mallory@contoso.onmicrosoft.com", "Mallory Attacker")
EVE = person(2, "eve@contoso.onmicrosoft.com", "Eve")
MS_PIM = {"app": {"appId": None, "displayName": "MS-PIM",
                  "servicePrincipalId": "bdefcbb6-d8b2-497d-a944-b683d9a36b0c",
                  "servicePrincipalName": None}, "user": None}
PIM_SERVICE = {"user": {"id": "9dfd627f-bdc5-4b1c-af9d-c85097fdeff8",
                        "displayName": "Azure AD PIM", "userPrincipalName": None}}
TARGETS = ["alice.admin", "bob", "carol", "dave", "erin", "frank"]
USERS = {  # the activation tests' principals: id, upn, name
    "alice": ("cccccccc-0000-0000-0000-000000000010", "alice.admin@contoso.com", "Alice Admin"),
    "bob": ("cccccccc-0000-0000-0000-000000000011", "bob@contoso.com", "Bob"),
    "dave": ("cccccccc-0000-0000-0000-000000000013", "dave@contoso.com", "Dave"),
}


def target(i):
    return f"bbbbbbbb-0000-0000-0000-{i:012d}", f"{TARGETS[i]}@contoso.com"


def envelope(props):
    return {"time": props["activityDateTime"], "operationName": props["activityDisplayName"],
            "category": "AuditLogs", "tenantId": TENANT, "properties": props}


def core_removal(n, when, i, role, initiator, result="success"):
    tid, upn = target(i)
    corr = f"6a1f0c2e-7b3d-4e5f-9a1b-{n:012d}"
    return envelope({
        "id": f"Directory_{corr}_ABCDE_{123456789 + n}", "category": "RoleManagement",
        "correlationId": corr, "result": result, "activityDisplayName": "Remove member from role",
        "activityDateTime": when, "loggedByService": "Core Directory", "operationType": "Unassign",
        "initiatedBy": initiator,
        "targetResources": [{
            "id": tid, "type": "User", "userPrincipalName": upn, "modifiedProperties": [
                {"displayName": "Role.DisplayName", "oldValue": json.dumps(role[1]), "newValue": None},
                {"displayName": "Role.TemplateId", "oldValue": json.dumps(role[0]), "newValue": None}]}],
        "additionalDetails": []})


def pim_record(n, when, i, role, activity, initiator):
    tid, upn = target(i)
    corr = f"7c6b5a49-3827-4615-9504-{n:012d}"
    return envelope({
        "id": f"PIM_{corr}_0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7_{134331000000000000 + n}",
        "category": "RoleManagement", "correlationId": corr, "result": "success",
        "activityDisplayName": activity, "activityDateTime": when, "loggedByService": "PIM",
        "operationType": "Delete", "initiatedBy": initiator,
        "targetResources": [
            {"id": role[0], "displayName": role[1], "type": "Role"},
            {"id": "9f8e7d6c-5b4a-3928-1706-f5e4d3c2b1a0", "type": "Request"},
            {"id": tid, "displayName": "Admin", "type": "User", "userPrincipalName": upn},
            {"id": TENANT, "displayName": "Contoso", "type": "Directory"}],
        "additionalDetails": [{"key": "TemplateId", "value": role[0]}]})


def pim_removal(n, when, i, role):
    return pim_record(n, when, i, role,
                      "Remove eligible member from role in PIM completed (permanent)",
                      {"user": MALLORY})


def pim_expiry(n, when, i, role):
    return pim_record(n, when, i, role, "Remove member from role (PIM activation expired)",
                      PIM_SERVICE)


def activation(n, user, role, when, ip):
    principal, upn, name = USERS[user]
    request = f"2b1a0f9e-8d7c-4b6a-9584-{n:012d}"
    details = {"TemplateId": role[0], "StartTime": when, "Justification": "CHG0042",
               "ipaddr": ip, "AuditType": "ActivateRole", "IsAuthenticatedWithMfa": "True",
               "RoleAssignmentRequestId": request}
    return envelope({
        "id": f"PIM_5e4d3c2b-1a09-4f8e-9d7c-{n:012d}", "category": "RoleManagement",
        "correlationId": request, "result": "success",
        "activityDisplayName": "Add member to role completed (PIM activation)",
        "activityDateTime": when, "loggedByService": "PIM", "operationType": "Update",
        "initiatedBy": {"user": {"id": principal, "displayName": name,
                                 "userPrincipalName": upn, "ipAddress": ip}},
        "targetResources": [
            {"id": role[0], "displayName": role[1], "type": "Role"},
            {"id": request, "type": "Request"},
            {"id": principal, "displayName": name, "type": "User", "userPrincipalName": upn},
            {"id": TENANT, "displayName": "Contoso", "type": "Directory"}],
        "additionalDetails": [{"key": k, "value": v} for k, v in details.items()]})


def at(clock):
    return f"2025-03-04T{clock}Z"


def write(name, records):
    with open(name, "w") as out:
        for record in records:  # one Event Hubs message per record
            out.write(json.dumps({"records": [record]}, separators=(",", ":")) + "\n")


M = {"user": MALLORY}
E = {"user": EVE}
write("burst-three.jsonl", [core_removal(1, at("10:15:02"), 0, GA, M),
                            core_removal(2, at("10:15:09"), 1, PRA, M),
                            core_removal(3, at("10:16:40"), 2, GA, M)])
write("burst-two.jsonl", [core_removal(1, at("10:15:02"), 0, GA, M),
                          core_removal(2, at("10:15:09"), 1, PRA, M)])
write("burst-spread.jsonl", [core_removal(1, at("08:00:00"), 0, GA, M),
                             core_removal(2, at("09:30:00"), 1, GA, M),
                             core_removal(3, at("11:00:00"), 2, GA, M)])
write("burst-failed.jsonl", [core_removal(n, at(f"10:1{n}:00"), n, PRA, M, "failure")
                             for n in range(3)])
write("burst-six.jsonl", [core_removal(n + 1, at(f"10:1{n}:00"), n, GA, M) for n in range(5)]
      + [core_removal(6, at("10:19:00"), 0, PRA, M)])
write("burst-two-actors.jsonl", [core_removal(1, at("10:15:00"), 0, GA, M),
                                 core_removal(2, at("10:16:00"), 1, GA, E),
                                 core_removal(3, at("10:17:00"), 2, GA, M),
                                 core_removal(4, at("10:18:00"), 3, GA, E)])
write("burst-user-admin.jsonl", [core_removal(n + 1, at(f"10:1{n}:00"), n, USER_ADMIN, M)
                                 for n in range(4)])
write("pim-twins.jsonl", [r for n in range(3) for r in (
    core_removal(10 + n, at(f"10:2{n}:00"), n, GA, MS_PIM),
    pim_removal(20 + n, at(f"10:2{n}:01"), n, GA))])
write("ms-pim-unpaired.jsonl", [core_removal(10 + n, at(f"10:2{n}:00"), n, GA, MS_PIM)
                                for n in range(3)])
write("pim-expiries.jsonl", [r for n in range(4) for r in (
    core_removal(10 + n, at(f"10:3{n}:00"), n, GA, MS_PIM),
    pim_expiry(20 + n, at(f"10:3{n}:05"), n, GA))])
write("activations.jsonl", [activation(1, "bob", PRA, at("08:10:00"), "203.0.113.9"),
                            activation(2, "dave", GA, at("08:20:00"), "192.0.2.44")])
write("activations-new-ip.jsonl", [
    activation(3, "alice", PRA, "2025-02-10T09:00:00Z", "198.51.100.7"),
    activation(4, "alice", PRA, at("08:00:05"), "198.51.100.99")])
write("activations-learning.jsonl", [
    activation(5, "alice", PRA, "2025-03-01T09:00:00Z", "198.51.100.7"),
    activation(6, "alice", PRA, at("08:00:05"), "198.51.100.99")])

with open("eligible.csv", "w", newline="") as out:
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(["PrincipalId", "PrincipalType", "UserPrincipalName", "RoleDefinitionId",
                     "RoleDefinitionName", "DirectoryScopeId", "AssignmentInheritedFrom",
                     "AssignmentType", "OnPremisesSyncEnabled"])
    for user, role, via, synced in [("alice", PRA, "", "false"), ("bob", PRA, GROUP, "true")]:
        principal, upn, _ = USERS[user]
        writer.writerow([principal, "#microsoft.graph.user", upn, role[0], role[1], "/", via,
                         "Eligible", synced])
