#!/usr/bin/env bash
# make run: load the small demo data set when the data folder is empty, then serve.
set -euo pipefail
bin=$1 data=$2 addr=$3
if [ ! -d "$data" ] || [ -z "$(ls -A "$data" 2>/dev/null)" ]; then
	echo "kovmon: first start, loading the small demo data set into $data"
	start=$(date +%s)
	"$bin" --data "$data" demo --scale small || echo "kovmon: the demo could not be loaded; serving what there is"
	echo "kovmon: demo loaded in $(( $(date +%s) - start )) s"
fi
echo "kovmon: serving http://$addr/"
exec "$bin" --data "$data" serve --addr "$addr"
