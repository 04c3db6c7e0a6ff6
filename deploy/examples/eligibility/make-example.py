#!/usr/bin/env python3
"""Writes the eligibility example the outputs of docs/eligibility-and-reports.md come from.

eligible.csv     the seed's CSV export, with the optional sync column
activations.jsonl Event Hubs messages holding PIM activations

    python3 make-example.py && cd ../../.. &&
    rolewatch eligibility import deploy/examples/eligibility/eligible.csv \
        --state-dir /tmp/example --as-of 2025-03-04T06:00:00Z &&
    rolewatch replay --state-dir /tmp/example deploy/examples/eligibility/activations.jsonl
"""
import csv
import json
import pathlib

HERE = pathlib.Path(__file__).parent
TENANT = "11111111-2222-3333-4444-555555555555"
PRA = ("e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator")
GA = ("62e90394-69f5-4237-9190-012177145e10", "Global Administrator")
GROUP = "2b5ed229-4072-478d-9504-a047ebd4b07d"
USERS = {
    "alice": ("cccccccc-0000-0000-0000-000000000010", "alice.admin@contoso.com", "Alice Admin"),
    "bob": ("cccccccc-0000-0000-0000-000000000011", "bob@contoso.com", "Bob"),
    "carol": ("cccccccc-0000-0000-0000-000000000012", "carol@contoso.com", "Carol"),
    "dave": ("cccccccc-0000-0000-0000-000000000013", "dave@contoso.com", "Dave"),
}


def write_csv():
    rows = [  # user, role, inherited from, type, synced
        ("alice", PRA, "", "Eligible", "false"),
        ("bob", PRA, GROUP, "Eligible", "true"),
        ("carol", GA, "", "Eligible", "false"),
        ("carol", PRA, "", "Permanent", "false"),
    ]
    with open(HERE / "eligible.csv", "w", newline="") as out:
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(["PrincipalId", "PrincipalType", "UserPrincipalName", "RoleDefinitionId",
                         "RoleDefinitionName", "DirectoryScopeId", "AssignmentInheritedFrom",
                         "AssignmentType", "OnPremisesSyncEnabled"])
        for user, role, via, kind, synced in rows:
            principal, upn, _ = USERS[user]
            writer.writerow([principal, "#microsoft.graph.user", upn, role[0], role[1], "/", via,
                             kind, synced])


def activation(n, user, role, time, ip, justification):
    principal, upn, name = USERS[user]
    request = f"2b1a0f9e-8d7c-4b6a-9584-{n:012d}"
    details = {"RoleDefinitionOriginId": role[0], "RoleDefinitionOriginType": "BuiltInRole",
               "TemplateId": role[0], "StartTime": time, "Justification": justification,
               "ipaddr": ip, "AuditType": "ActivateRole", "IsAuthenticatedWithMfa": "True",
               "RoleAssignmentRequestId": request}
    props = {
        "id": f"PIM_5e4d3c2b-1a09-4f8e-9d7c-{n:012d}",
        "category": "RoleManagement", "correlationId": request, "result": "success",
        "resultReason": justification,
        "activityDisplayName": "Add member to role completed (PIM activation)",
        "activityDateTime": time, "loggedByService": "PIM", "operationType": "Update",
        "initiatedBy": {"user": {"id": principal, "displayName": name,
                                 "userPrincipalName": upn, "ipAddress": ip}},
        "targetResources": [
            {"id": role[0], "displayName": role[1], "type": "Role"},
            {"id": request, "type": "Request"},
            {"id": principal, "displayName": name, "type": "User", "userPrincipalName": upn},
            {"id": TENANT, "displayName": "Contoso", "type": "Directory"}],
        "additionalDetails": [{"key": k, "value": v} for k, v in details.items()],
    }
    return {"time": time, "operationName": props["activityDisplayName"],
            "category": "AuditLogs", "tenantId": TENANT, "properties": props}


def write_activations():
    records = [
        activation(1, "alice", PRA, "2025-02-20T10:00:00Z", "198.51.100.7", "CHG0031"),
        activation(2, "alice", PRA, "2025-03-04T08:00:05Z", "198.51.100.7", "CHG0042"),
        activation(3, "bob", PRA, "2025-03-04T08:10:00Z", "203.0.113.9", "INC7781"),
        activation(4, "dave", GA, "2025-03-04T08:20:00Z", "192.0.2.44", "urgent"),
    ]
    with open(HERE / "activations.jsonl", "w") as out:
        for record in records:  # one Event Hubs message per record
            out.write(json.dumps({"records": [record]}, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    write_csv()
    write_activations()
