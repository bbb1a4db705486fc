#!/usr/bin/env bash
# The long run of the property tests: many more random and mutated pligos.yaml documents than
# the suite's CI-sized run. Usage: benchmarks/fuzz_long.sh [EXAMPLES_PER_TEST] (default 50000)
set -euo pipefail
cd "$(dirname "$0")/.."
export PLIGOS_FUZZ_EXAMPLES="${1:-50000}"
PLIGOS_HELM="$(.venv/bin/python scripts/fetch_helm.py)"
export PLIGOS_HELM
exec .venv/bin/python -m pytest tests/hardening/test_bad_input.py -q -n 2 \
  -k "valid_documents or mutated_documents" -p no:cacheprovider
