#!/usr/bin/env python3
"""Compares the permission contract with what the tests recorded: every "calls" entry of
functions/AmiReplicator.Contract/aws-permissions.json must have been needed by a call of that function in some test
(the local harness writes them to $AMIREPL_RECORDED_PERMISSIONS/<pid>.txt, one "<function> <action> <scope>" a line).
An entry nobody needed is a grant the code does not use, or a path no test takes. Exit code 1 when there is one.
Usage: tools/permissions/check-recorded.py <recorded folder>"""
import glob
import json
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
contract_file = os.path.join(root, "functions", "AmiReplicator.Contract", "aws-permissions.json")
with open(contract_file, encoding="utf-8") as f:
    contract = json.loads("".join(line for line in f if not line.lstrip().startswith("//")))

folder = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("AMIREPL_RECORDED_PERMISSIONS", "")
recorded = set()
for path in glob.glob(os.path.join(folder, "*.txt")):
    with open(path, encoding="utf-8") as f:
        recorded.update(line.strip() for line in f if line.strip())

unused = [f"{function} {entry}" for function, parts in contract.items() for entry in parts["calls"] if f"{function} {entry}" not in recorded]
for line in unused:
    print(f"permission contract: '{line}' was never needed by a call in the tests: remove it, or test the path that needs it")
print(f"permission contract: {len(recorded)} (function, permission) pairs recorded, {len(unused)} contract entries never needed")
sys.exit(1 if unused or not recorded else 0)
