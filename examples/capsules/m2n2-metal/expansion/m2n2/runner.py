#!/usr/bin/env python3
"""m2n2-metal: fits the cooling curve of an alloy by gradient descent and prints the fit as JSON.

Deterministic: the same inputs give the same output, so the proof hooks can check it.
"""
import json
import math

# Measured temperature (°C) of a cooling billet, one reading a minute.
READINGS = [1450.0, 1321.5, 1205.2, 1100.1, 1005.3, 919.8, 842.6, 773.0, 710.1, 653.4]


def fit(readings, steps=2000, rate=0.5):
    """Fits log-linear decay T(t) = a * exp(-k t) with gradient descent on the log readings."""
    ys = [math.log(r) for r in readings]
    a, k = ys[0], 0.0
    n = len(ys)
    for _ in range(steps):
        grad_a = sum((a - k * t) - y for t, y in enumerate(ys)) / n
        grad_k = sum(-t * ((a - k * t) - y) for t, y in enumerate(ys)) / n
        a -= rate * grad_a
        k -= rate * grad_k / n
    loss = sum(((a - k * t) - y) ** 2 for t, y in enumerate(ys)) / n
    return math.exp(a), k, loss


if __name__ == "__main__":
    amplitude, decay, loss = fit(READINGS)
    print(json.dumps({"amplitude": round(amplitude, 3), "decay_per_min": round(decay, 6), "loss": loss, "steps": 2000}))
