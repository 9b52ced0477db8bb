#!/bin/sh
# The stack's one-shot first start, so the API has forecasts to serve: on a volume without a
# store, build the demo world (unless real files wait in the drop folder, or
# FORECAST_INIT_DEMO=0), then run the first retrain, which ingests the drop folder, builds
# the feature panel, trains, promotes and scores. With a store present it does nothing, so
# it is safe on every `docker compose up`.
set -eu

home="${FORECAST_HOME:?FORECAST_HOME must name the data folder}"
store="$home/forecast.duckdb"
drop="$home/drop"

# Creates the service DB's tables now, before the API's workers all start at once.
forecast keys list >/dev/null

if [ -e "$store" ]; then
    echo "init: $store exists; nothing to do"
    exit 0
fi
mkdir -p "$drop"
if [ -n "$(ls -A "$drop")" ]; then
    echo "init: no store yet; the first retrain ingests the files in $drop"
elif [ "${FORECAST_INIT_DEMO:-1}" = "0" ]; then
    echo "init: no store and an empty $drop; put data files there (docs/OPERATIONS.md)"
    exit 0
else
    echo "init: no store and an empty $drop; building the demo world"
    forecast demo
fi
exec weekly.sh --once
