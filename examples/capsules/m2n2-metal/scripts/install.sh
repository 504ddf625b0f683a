#!/bin/sh
# Nothing to install: the runner needs only the Python standard library.
set -eu
python3 --version
