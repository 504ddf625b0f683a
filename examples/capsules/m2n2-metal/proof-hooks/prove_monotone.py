#!/usr/bin/env python3
"""Proof hook: a decay rate k > 0 makes the fitted curve strictly decreasing (mathematical_proof claim).

T'(t) = -k * a * exp(-k t) < 0 for all t when a > 0 and k > 0; the hook checks both premises.
"""
import json
import os

fit = json.loads(json.load(open(os.environ["CAPSULE_FIRST_RUN"]))["stdout"])
holds = fit["amplitude"] > 0 and fit["decay_per_min"] > 0
print(json.dumps({
    "type": "mathematical_proof",
    "inputs": {"theorem": "a > 0 and k > 0 implies d/dt a*exp(-k t) < 0", "a": fit["amplitude"], "k": fit["decay_per_min"]},
    "result": {"holds": holds},
    "cost": 0,
}))
