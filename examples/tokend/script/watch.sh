#!/bin/sh
# Rebuild and restart tokend whenever a source file changes.
set -eu
cd /src
while true; do
  go build -o /tmp/tokend ./cmd/tokend && /tmp/tokend --listen :8080 --config /etc/tokend/app.yaml &
  pid=$!
  inotifywait -r -e modify,create,delete . >/dev/null 2>&1 || sleep 5
  kill "$pid" 2>/dev/null || true
done
