#!/bin/sh
# Healthy when the runner produces a fit.
set -eu
python3 "$(dirname "$0")/../expansion/m2n2/runner.py" | grep -q '"loss"'
