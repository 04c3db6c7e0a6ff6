#!/usr/bin/env python3
"""Writes the seed corpora in tests/fuzz/corpus/<target>/ from the project's
own fixtures and documentation examples, one file per seed named by the
SHA-1 of its content (libFuzzer's naming, so a regenerated seed is the same
file). Run it again when fixtures or examples change; files it did not write
(regression inputs, hand-written seeds) are left in place."""
import glob
import hashlib
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus")


def read(path):
    with open(os.path.join(ROOT, path), "rb") as f:
        return f.read()


def lines(path, limit):
    seen = []
    for line in read(path).splitlines():
        if line.strip() and line not in seen:
            seen.append(line)
        if len(seen) == limit:
            break
    return seen


def yaml_blocks(path, must_contain=None):
    text = read(path).decode()
    blocks = re.findall(r"```ya?ml\n(.*?)```", text, re.S)
    return [b.encode() for b in blocks if must_contain is None or must_contain in b]


def raw_strings(path):
    return [s.encode() for s in re.findall(r'R"\((.*?)\)"', read(path).decode(), re.S)]


def seeds():
    decoder = [read(p) for p in sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/records/*.json")))]
    for p in sorted(glob.glob(os.path.join(ROOT, "tests/fixtures/replay/*.jsonl"))):
        decoder += lines(p, 10)
    decoder += lines("deploy/demo/sample-attack.jsonl", 20)
    decoder += lines("deploy/examples/eligibility/activations.jsonl", 5)

    config = []
    for doc in ["docs/configuration.md", "docs/delivery-and-sinks.md",
                "docs/eligibility-and-reports.md", "docs/live-stream-and-recovery.md"]:
        config += yaml_blocks(doc)
    config += raw_strings("tests/stream/config/config_test.cpp")

    rules = [read("rules/default-rules.yaml"), read("rules/activation-rules.yaml")]
    rules += yaml_blocks("docs/detection.md")
    rules += raw_strings("tests/rules/rule_definition_test.cpp")
    rules += raw_strings("tests/rules/activation_rules_test.cpp")

    csv = [read("deploy/examples/eligibility/eligible.csv")]

    # fuzz_graph_response: one byte choosing the pending requests (count - 1,
    # high bit: every other index), then a $batch answer body.
    user = b'{"userPrincipalName":"a@contoso.com","onPremisesSyncEnabled":null,"accountEnabled":true}'
    graph = [
        b"\x01" + b'{"responses":[{"id":"0","status":200,"headers":{"Content-Type":"application/json"},'
        b'"body":' + user + b'},{"id":"1","status":404,"body":{"error":{"code":"Request_ResourceNotFound"}}}]}',
        b"\x82" + b'{"responses":[{"id":"4","status":429,"headers":{"Retry-After":"7"},"body":{}},'
        b'{"id":"0","status":200,"body":' + user + b'},{"id":"2","status":503,"headers":{"retry-after":'
        b'"Wed, 21 Oct 2015 07:28:00 GMT"}}]}',
        b"\x00" + b'{"responses":[{"id":0,"status":200,"body":{}}]}',  # finding 4: a numeric id
        b"\x00" + b'{"responses":[{"id":"0","status":"200"}]}',
    ]
    return {"fuzz_audit_decoder": decoder, "fuzz_config": config,
            "fuzz_rules_yaml": rules, "fuzz_csv_import": csv, "fuzz_graph_response": graph}


def main():
    for target, items in seeds().items():
        folder = os.path.join(OUT, target)
        os.makedirs(folder, exist_ok=True)
        for item in items:
            name = hashlib.sha1(item).hexdigest()
            with open(os.path.join(folder, name), "wb") as f:
                f.write(item)
        print(f"{target}: {len(items)} seeds", file=sys.stderr)


if __name__ == "__main__":
    main()
