#!/usr/bin/env bash
# Keep one long-running process of the Procfile up: start it again when it exits, until the
# stack is stopped. Honcho stops the whole stack (web included) as soon as any one process
# exits, and a Celery worker can exit on its own: kombu's Redis transport sometimes ends it
# with "Unrecoverable error" when Redis restarts. Its deliveries are safe either way (rows
# claimed by a conditional UPDATE, a lease for a claim left behind); this keeps it running.
#
#   worker: bash scripts/respawn.sh celery -A oversight worker ...
#
# SIGTERM/SIGINT (honcho's stop) are passed to the process, and the loop ends when it does.
# A process that dies at once is started again after 1, 2, 4 ... up to 30 seconds.
set -u
stopping=""
child=""
trap 'stopping=1; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null' TERM INT
delay=1
while :; do
  started=$(date +%s)
  "$@" &
  child=$!
  status=0
  wait "$child" || status=$?
  # A trapped signal ends `wait` early: wait for the process itself to finish.
  while kill -0 "$child" 2>/dev/null; do wait "$child" || status=$?; done
  [ -n "$stopping" ] && exit "$status"
  if [ $(($(date +%s) - started)) -ge 60 ]; then delay=1; fi
  echo "respawn: '$*' exited with status $status; starting it again in ${delay} s" >&2
  sleep "$delay" &
  wait $! || true
  [ -n "$stopping" ] && exit 0
  delay=$((delay < 16 ? delay * 2 : 30))
done
