#!/usr/bin/env bash
# Trains 20 small configurations with two builds of `recurrent` and compares their model and ONNX files byte for
# byte: the check that a restructuring changed no arithmetic.
#   scripts/compare-train.sh OLD/recurrent.dll NEW/recurrent.dll [WORK_DIR]
# Build each side first (`dotnet build src/Host -c Release` in its checkout: the dll is in
# src/Host/bin/Release/net10.0). A build from before the options' current names (no --hidden-size in its
# `train --help`) is given their old spellings. Exits 1 when any pair differs.
set -euo pipefail
old=$(realpath "$1")
new=$(realpath "$2")
work=$(realpath -m "${3:-$(mktemp -d)}")
cd "$(dirname "$0")/.."
reviews=$(realpath examples/reviews.csv)
mkdir -p "$work"
configs=(
  "rnn|--data temporal-order:20 --cell rnn"
  "lstm|--data temporal-order:20 --cell lstm"
  "gru|--data temporal-order:20 --cell gru"
  "gru-reset-first|--data temporal-order:20 --cell gru --gru-linear-before-reset false"
  "lstm-bidirectional-2|--data temporal-order:20 --cell lstm --bidirectional --layers 2"
  "rnn-clip-value|--data temporal-order:20 --cell rnn --clip-value 0.5"
  "lstm-clip-norm-momentum|--data temporal-order:20 --cell lstm --clip-norm 1 --optimizer momentum --momentum 0.8 --learning-rate 0.05"
  "rnn-echo-state|--data temporal-order:20 --cell rnn --init echo-state --spectral-radius 0.8 --freeze-recurrent"
  "rnn-omega-relu|--data temporal-order:20 --cell rnn --omega-weight 0.1 --activation relu --clip-norm 1"
  "lstm-truncated|--data temporal-order:20 --cell lstm --truncation-steps 5 --truncation-stride 5"
  "lstm-dilated|--data temporal-order:20 --cell lstm --dilations 1,2"
  "gru-adding|--data adding:30 --cell gru"
  "lstm-copy|--data copy:5 --cell lstm"
  "gru-charlm|--data charlm:/usr/share/common-licenses/GPL-3:32 --cell gru --embedding-size 8"
  "rnn-latch-sgd|--data latch:20 --cell rnn --optimizer sgd --learning-rate 0.05 --learning-rate-decay 0.9"
  "lstm-8-classes|--data temporal-order:20:8 --cell lstm --weight-decay 0.001 --forget-gate-bias 2"
  "gru-validation-early-stop|--data $reviews --cell gru --validation-fraction 0.2 --early-stopping-patience 1 --count 150"
  "seed-toy|--data seed-toy --cell lstm"
  "reviews|--data $reviews --cell gru --embedding-size 6 --count 150"
  "lstm-max-steps|--data temporal-order:20 --cell lstm --max-steps 5 --threads 1"
)
# The spellings before the options had one name each (the current build still reads them, with a warning).
old_spellings() {
  sed -e 's/--truncation-steps 5 --truncation-stride 5/--bptt 5,5/; s/--hidden-size/--hidden/; s/--learning-rate-decay/--lr-decay/' \
    -e 's/--learning-rate/--lr/; s/--omega-weight/--omega/; s/--forget-gate-bias/--forget-bias/; s/--validation-fraction/--valid-fraction/' \
    -e 's/--early-stopping-patience/--patience/; s/--embedding-size/--embedding/; s/--gru-linear-before-reset false/--gru-reset-before/'
}
differ=0
for config in "${configs[@]}"; do
  name=${config%%|*}
  args="${config#*|} --hidden-size 8 --epochs 2 --seed 7"
  [[ $args == *--count* || $args == *seed-toy* ]] || args+=" --count 200"
  for side in old new; do
    dll=${!side}
    side_args=$args
    dotnet "$dll" train --help | grep -q -- --hidden-size || side_args=$(old_spellings <<< "$args")
    # shellcheck disable=SC2086 # the arguments are split on purpose
    if ! dotnet "$dll" train $side_args --out "$work/$name.$side.model" --onnx "$work/$name.$side.onnx" --json \
        > "$work/$name.$side.json" 2> "$work/$name.$side.err"; then
      echo "FAILED $name ($side): $(head -c 300 "$work/$name.$side.err")"
    fi
  done
  if cmp -s "$work/$name.old.model" "$work/$name.new.model" && cmp -s "$work/$name.old.onnx" "$work/$name.new.onnx" \
      && [ -s "$work/$name.new.model" ]; then
    echo "same       $name"
  else
    echo "DIFFERENT  $name"
    differ=$((differ + 1))
  fi
done
echo "${#configs[@]} configurations, $differ different (files in $work)"
[ "$differ" -eq 0 ]
