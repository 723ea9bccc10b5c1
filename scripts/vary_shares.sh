#!/usr/bin/env bash
# Writes a variant of a task trace CSV with every GPU share size changed, to check that a
# policy was not tuned to the original sizes (docs/scheduling.md, "Variants of the trace").
# Usage: scripts/vary_shares.sh IN.csv OUT.csv plus|times|minus N
#   plus 30  : s + 30 (at most 990)     times 0.9 : s × 0.9, rounded to 10 (at least 10)
#   minus 40 : s − 40 (at least 10)
# Whole-device tasks (gpu_milli 1000) and CPU-only tasks are kept as they are.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 IN.csv OUT.csv plus|times|minus N" >&2; exit 2; }
case "$3" in plus|times|minus) ;; *) echo "vary_shares: op must be plus, times or minus" >&2; exit 2;; esac
awk -F, -v OFS=, -v op="$3" -v n="$4" '
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; print; next }
  {
    g = $col["num_gpu"] + 0; m = $col["gpu_milli"] + 0
    if (g == 1 && m > 0 && m < 1000) {
      if (op == "plus") m = m + n; else if (op == "minus") m = m - n
      else m = int(m * n / 10 + 0.5) * 10
      if (m > 990) m = 990; if (m < 10) m = 10
      $col["gpu_milli"] = m
    }
    print
  }' "$1" > "$2"
