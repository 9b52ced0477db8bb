#!/bin/sh
# The scheduled retraining: `forecast retrain` once a week (Monday 03:00 UTC by default),
# with one log line before and after each run on stdout, where `docker compose logs` and
# `kubectl logs` find it.
#
#   weekly.sh            loop for ever: sleep until the next run time, run, repeat
#   weekly.sh --once     run now, once (the Kubernetes CronJob and the init service use this)
#   weekly.sh --dry-run  print the next run time and exit
#
# FORECAST_RETRAIN_WEEKDAY  ISO weekday of the run, 1 = Monday ... 7 = Sunday (default 1)
# FORECAST_RETRAIN_HOUR     hour of the run, UTC, 0-23 (default 3)
# FORECAST_RETRAIN_ARGS     extra arguments for `forecast retrain`, e.g. "--jobs 4"
# FORECAST_SCHEDULE_NOW     epoch seconds to use as "now" (tests and --dry-run checks)
#
# `forecast retrain` exits 0 (new champion), 10 (no candidate passed the gate) or 20
# (nothing new): all are a week's normal outcome and --once exits 0 on them, so a
# Kubernetes Job does not retry. 75 (another retrain holds the lock) is a skip, also 0.
# Anything else is a failure, the champion and its forecasts unchanged: --once exits with
# that code and the loop logs it and waits for the next week.
set -eu

weekday="${FORECAST_RETRAIN_WEEKDAY:-1}"
hour="${FORECAST_RETRAIN_HOUR:-3}"

log() {
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) weekly: $*"
}

case "$weekday" in [1-7]) ;; *) log "FORECAST_RETRAIN_WEEKDAY must be 1-7, not '$weekday'"; exit 2 ;; esac
case "$hour" in [0-9] | 1[0-9] | 2[0-3]) ;; *) log "FORECAST_RETRAIN_HOUR must be 0-23, not '$hour'"; exit 2 ;; esac

now() {
    echo "${FORECAST_SCHEDULE_NOW:-$(date -u +%s)}"
}

# Epoch seconds of the first run time strictly after $1 (epoch seconds, UTC): plain
# arithmetic, so it needs no date parsing and no time-zone database.
next_run() {
    day=$(($1 / 86400))
    today=$(((day + 3) % 7 + 1)) # 1970-01-01 was a Thursday, ISO weekday 4
    at=$(((day + (weekday - today + 7) % 7) * 86400 + hour * 3600))
    if [ "$at" -le "$1" ]; then
        at=$((at + 7 * 86400))
    fi
    echo "$at"
}

iso() {
    date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ
}

meaning() {
    case "$1" in
        0) echo "a new champion was promoted; forecasts of the latest week written" ;;
        10) echo "trained, but no candidate passed the gate; forecasts written by the current champions" ;;
        20) echo "nothing new since the champions were trained; nothing done" ;;
        75) echo "skipped: another retrain holds the lock" ;;
        *) echo "FAILED; champions and forecasts unchanged (see the lines above)" ;;
    esac
}

# Run `forecast retrain` once; returns 0 for the normal outcomes, else its exit code.
retrain_once() {
    log "forecast retrain ${FORECAST_RETRAIN_ARGS:-}"
    started=$(date -u +%s)
    code=0
    # shellcheck disable=SC2086 # FORECAST_RETRAIN_ARGS is split into arguments on purpose
    forecast retrain ${FORECAST_RETRAIN_ARGS:-} || code=$?
    log "exit $code after $(($(date -u +%s) - started)) s: $(meaning "$code")"
    case "$code" in 0 | 10 | 20 | 75) return 0 ;; *) return "$code" ;; esac
}

case "${1:-}" in
    --dry-run)
        at=$(next_run "$(now)")
        echo "next run $(iso "$at") ($at), in $((at - $(now))) s"
        exit 0
        ;;
    --once)
        retrain_once
        exit $?
        ;;
    "") ;;
    *)
        echo "usage: weekly.sh [--once | --dry-run]" >&2
        exit 2
        ;;
esac

# Stop at once on `docker stop` / pod deletion, also while sleeping.
trap 'log "stopping"; exit 0' TERM INT
while true; do
    at=$(next_run "$(now)")
    log "next run $(iso "$at")"
    sleep $((at - $(now))) &
    wait $!
    retrain_once || true # logged; the next week's run tries again
done
