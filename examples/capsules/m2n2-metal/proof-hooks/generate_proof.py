#!/usr/bin/env python3
"""Proof hook: the first run's fit must reproduce the readings (sim_alignment claim)."""
import json
import os

first = json.load(open(os.environ["CAPSULE_FIRST_RUN"]))
fit = json.loads(first["stdout"])
print(json.dumps({
    "type": "sim_alignment",
    "inputs": {"steps": fit["steps"], "readings": 10},
    "result": {"loss": fit["loss"], "aligned": fit["loss"] < 1e-3},
    "cost": 0.05,
}))
