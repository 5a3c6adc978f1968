#!/usr/bin/env bash
# Denoise every PNG in a folder with vaectl, one output PNG per input under the same name.
# Usage: Tools/examples/denoise_folder.sh NOISY_DIR CLEAN_DIR [vaectl options such as --model NAME]
# vaectl is taken from $VAECTL, else from PATH; the daemon's socket from --socket or $VAED_SOCKET as usual.
set -euo pipefail
if [ $# -lt 2 ]; then
    echo "usage: $0 NOISY_DIR CLEAN_DIR [vaectl options]" >&2
    exit 2
fi
input=$1 output=$2
shift 2
vaectl=${VAECTL:-vaectl}

shopt -s nullglob
files=("$input"/*.png)
if [ ${#files[@]} -eq 0 ]; then
    echo "no .png files in $input" >&2
    exit 2
fi
# One call: vaectl batches the requests and names each result after its input.
"$vaectl" denoise "${files[@]}" --out-dir "$output" "$@"
