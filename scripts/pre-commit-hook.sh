#!/usr/bin/env bash
# The pre-commit hooks' entry (.pre-commit-hooks.yaml): runs the Rollback
# Guard CLI of this checkout — pre-commit's clone of the repository — and
# builds it there on first use (npm ci, then the bundle; node and npm on PATH).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$root/dist/cli.js" ]; then
  echo "Rollback Guard: building the CLI once in $root" >&2
  (cd "$root" && npm ci --no-audit --no-fund --ignore-scripts >&2 && node esbuild.js >&2)
fi
exec node "$root/dist/cli.js" "$@"
