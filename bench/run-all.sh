#!/usr/bin/env bash
# Every benchmark, on SQLite and (when PG is set or reachable at 127.0.0.1) on PostgreSQL.
# Results go to var/bench/; bench/RESULTS*.md hold the numbers quoted in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
PG=${PG:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
OUT=var/bench
mkdir -p "$OUT"
dbs=("")
if .venv/bin/python - "$PG" 2>/dev/null <<'PY'
import sys, psycopg
psycopg.connect(sys.argv[1].replace("+psycopg", ""), connect_timeout=3).close()
PY
then
  dbs+=("$PG")
fi
for db in "${dbs[@]}"; do
  name=$([ -z "$db" ] && echo sqlite || echo postgresql)
  opt=$([ -z "$db" ] && echo "" || echo "--db $db")
  .venv/bin/python bench/engine.py $opt | tee "$OUT/engine-$name.md"
  .venv/bin/hallq bench --preset api --workers 2 --procs 2 $opt --json "$OUT/api-$name.json" | tee "$OUT/api-$name.md"
  .venv/bin/hallq bench --preset scale --workers 2 --procs 2 $opt | tee "$OUT/scale-$name.md"
  .venv/bin/hallq bench --preset hall --workers 2 $opt --json "$OUT/hall-$name.json" | tee "$OUT/hall-$name.md"
  .venv/bin/python bench/credit_search.py $opt | tee "$OUT/credit-$name.md"
done
.venv/bin/python bench/kiosk_print.py | tee "$OUT/kiosk-print.md"
