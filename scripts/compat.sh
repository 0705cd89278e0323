#!/usr/bin/env bash
# The compatibility matrix, run before each release (not by .ci/run, which stays on one torch):
# the oldest supported torch and the newest on PyPI, the oldest and the newest supported
# Python, each in a virtual environment of its own, each running the commands users run
# (summary, JSON, a diagram, a student's file, a torch.fx graph) and the test suite. Prints a
# Markdown table of the results; docs/compatibility.md holds the last one measured.
#
#   scripts/compat.sh                 every row, the whole test suite
#   scripts/compat.sh --quick         every row, the engines' subset (QUICK below)
#   scripts/compat.sh --commands      every row, the commands only (no tests)
#   scripts/compat.sh 2.1.2/3.11 ...  only these rows (torch/Python)
#
# torch comes from PyPI: a multi-GB CUDA build that runs on the CPU, installed once per row
# into $RESNET_EXPLAIN_COMPAT_DIR (default ~/.cache/resnet-explain-compat) and reused. Each
# Python X.Y is found as pythonX.Y on PATH or under pyenv's versions. Exit status: 0 when
# every row passed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=${RESNET_EXPLAIN_COMPAT_DIR:-$HOME/.cache/resnet-explain-compat}
mkdir -p "$DIR/logs"

# The floor (pyproject.toml's torch>=2.1) at its last patch release, and CI's torch.
OLDEST_TORCH=2.1.2
MAIN_TORCH=2.13.0
OLDEST_PYTHON=3.10
NEWEST_PYTHON=3.13
MAIN_PYTHON=3.11
# Every engine and entry point: empty batch and meta (test_trace, test_meta_engine), lazy
# modules (test_channelaxis, test_cli), compiled models and torch.fx graphs
# (test_untouched), Hugging Face folders (test_hfconfig), weights files (test_weightsfile),
# the zoo and the facts (test_zoo, test_facts), the command line and errors (test_cli,
# test_spec, test_errors), models from other libraries (test_thirdparty), this file's checks
# (test_compat).
QUICK=(tests/test_compat.py tests/test_trace.py tests/test_meta_engine.py
       tests/test_channelaxis.py tests/test_untouched.py tests/test_hfconfig.py
       tests/test_weightsfile.py tests/test_zoo.py tests/test_facts.py tests/test_cli.py
       tests/test_spec.py tests/test_errors.py tests/test_thirdparty.py)

QUICK_RUN=0
ROWS=()
for arg in "$@"; do
    case "$arg" in
        --quick) QUICK_RUN=1 ;;
        --commands) QUICK_RUN=none ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        */*) ROWS+=("$arg") ;;
        *) echo "error: unknown argument $arg (try --help)" >&2; exit 2 ;;
    esac
done

# pip as on a fresh machine: PyPI only, no local constraints or wheel folders.
pip_fresh() { PIP_CONSTRAINT= PIP_CONFIG_FILE=/dev/null PIP_FIND_LINKS= PIP_NO_INDEX= \
              PIP_DISABLE_PIP_VERSION_CHECK=1 nice -n 19 "$@"; }

if [ ${#ROWS[@]} -eq 0 ]; then
    NEWEST_TORCH=${NEWEST_TORCH:-$(pip_fresh python3 -m pip index versions torch 2>/dev/null \
                                   | sed -n 's/^torch (\(.*\))$/\1/p')}
    if [ -z "$NEWEST_TORCH" ]; then
        echo "error: cannot ask PyPI for torch's newest version; set NEWEST_TORCH=X.Y.Z" >&2
        exit 2
    fi
    ROWS=("$OLDEST_TORCH/$MAIN_PYTHON" "$NEWEST_TORCH/$MAIN_PYTHON"
          "$MAIN_TORCH/$OLDEST_PYTHON" "$MAIN_TORCH/$NEWEST_PYTHON")
fi

find_python() {
    command -v "python$1" 2>/dev/null && return
    local root; root=$(pyenv root 2>/dev/null || echo "$HOME/.pyenv")
    find "$root/versions" -maxdepth 3 -path "*/versions/$1.*/bin/python$1" 2>/dev/null \
        | sort -V | tail -1
}

# version_lt A B: whether version A < B (sort -V).
version_lt() { [ "$1" != "$2" ] && [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$1" ]; }

# What an old torch needs beside it (the test extra's transformers): torch < 2.3 was built
# against NumPy 1; transformers 5 needs torch 2.6; transformers 4.50 and later fail to import
# on torch 2.1 (torch.utils._pytree.register_pytree_node is 2.2's).
pins_for() {
    echo "torch==$1"
    if version_lt "$1" 2.3; then echo "numpy<2"; fi
    if version_lt "$1" 2.2; then echo "transformers<4.50"
    elif version_lt "$1" 2.6; then echo "transformers<5"; fi
}

setup_row() {  # torch python venv log → 0 when the environment is ready
    local torch=$1 python=$2 venv=$3 log=$4 pybin
    # Made again (pip installs what is missing) when pyproject.toml changes, comments aside.
    local ready
    ready="$venv/.ready-$torch-$(grep -v '^[[:space:]]*#' pyproject.toml | sha1sum | cut -c1-12)"
    if [ -f "$ready" ]; then return 0; fi
    if [ ! -x "$venv/bin/python" ]; then  # a half-made one is completed, not made anew
        pybin=$(find_python "$python")
        if [ -z "$pybin" ]; then echo "no python$python found" >>"$log"; return 1; fi
        "$pybin" -m venv "$venv" >>"$log" 2>&1 || return 1
        pip_fresh "$venv/bin/python" -m pip install -q --upgrade pip >>"$log" 2>&1
    fi
    pins_for "$torch" >"$venv/constraints.txt"
    # torch first, alone: the project's range then installs nothing more.
    pip_fresh "$venv/bin/python" -m pip install -q -c "$venv/constraints.txt" \
        "torch==$torch" >>"$log" 2>&1 || return 1
    pip_fresh "$venv/bin/python" -m pip install -q -c "$venv/constraints.txt" \
        -e "$ROOT[test]" >>"$log" 2>&1 || return 1
    touch "$ready"
}

smoke() {  # venv log → 0 when the commands users run all succeed and say what they should
    local py="$1/bin/python" log=$2 out status=0
    out=$(mktemp -d)
    step() {  # file command… : run it in the checkout, its standard output into $out/file
        local file=$1; shift
        echo "\$ $*" >>"$log"
        if ! (cd "$ROOT" && PYTHONPATH=$ROOT "$@") >"$out/$file" 2>>"$log"; then
            echo "FAILED: $*" >>"$log"; status=1
        fi
    }
    step summary.txt "$py" -m resnet_explain summary resnet50
    step resnet18.json "$py" -m resnet_explain summary resnet18 --format json
    step diagram.txt "$py" -m resnet_explain diagram resnet50 --level block -o "$out/resnet50.svg"
    step student.txt "$py" -m resnet_explain summary \
        "tests/fixtures/seed002_resnet50.py:resnet_50(224)"
    step fx.txt "$py" -c "import torch.fx; from resnet_explain import explain
from resnet_explain.zoo import build
print(explain(torch.fx.symbolic_trace(build('resnet18')), (1, 3, 64, 64)).depth_formula)"
    grep -q "50 = 1 + 3×(3+4+6+3) + 1" "$out/summary.txt" || { echo "summary: no depth" >>"$log"; status=1; }
    grep -q "18 = 1 + 2×(2+2+2+2) + 1" "$out/fx.txt" || { echo "fx: no depth" >>"$log"; status=1; }
    grep -q '"plain_depth": 18' "$out/resnet18.json" || { echo "json: no depth" >>"$log"; status=1; }
    grep -q "<svg" "$out/resnet50.svg" 2>/dev/null || { echo "diagram: no SVG" >>"$log"; status=1; }
    grep -q "Warning: " "$out/student.txt" || { echo "student: no warning" >>"$log"; status=1; }
    rm -rf "$out"
    return $status
}

TABLE=("| torch | Python | numpy | transformers | summary, json, diagram, student file, fx | tests | minutes |"
       "|---|---|---|---|---|---|---|")
FAILED=0
for row in "${ROWS[@]}"; do
    torch=${row%/*} python=${row#*/}
    venv="$DIR/torch$torch-py$python" log="$DIR/logs/torch$torch-py$python.log"
    : >"$log"
    start=$SECONDS
    echo "== torch $torch on Python $python ($log)" >&2
    if ! setup_row "$torch" "$python" "$venv" "$log"; then
        TABLE+=("| $torch | $python | | | could not install (see the log) | | |")
        FAILED=1
        continue
    fi
    versions=$("$venv/bin/python" -c "import sys, torch, numpy, transformers
print(torch.__version__, '.'.join(map(str, sys.version_info[:3])), numpy.__version__,
      transformers.__version__)" 2>>"$log")
    read -r torch_v python_v numpy_v transformers_v <<<"$versions"
    if smoke "$venv" "$log"; then commands=pass; else commands=FAIL; FAILED=1; fi
    if [ "$QUICK_RUN" = none ]; then
        summary="not run"
    else
        if [ "$QUICK_RUN" = 1 ]; then tests=("${QUICK[@]}"); else tests=(); fi
        (cd "$ROOT" && PYTHONPATH=$ROOT nice -n 19 "$venv/bin/python" -m pytest -q \
            -p no:randomly -p no:cacheprovider "${tests[@]}") >>"$log" 2>&1
        test_status=$?
        summary=$(grep -E "^(=+ )?[0-9]+ (passed|failed|error)" "$log" | tail -1 \
                  | sed -E 's/=//g; s/ in [0-9.]+s.*//; s/^ +| +$//g')
        if [ "$test_status" != 0 ]; then FAILED=1; summary="**${summary:-no result}**"; fi
        if [ "$QUICK_RUN" = 1 ]; then summary="$summary (engines' subset)"; fi
    fi
    TABLE+=("| $torch_v | $python_v | $numpy_v | $transformers_v | $commands | $summary | $(( (SECONDS - start + 30) / 60 )) |")
done

echo
echo "Measured $(date -u +%Y-%m-%d) on $(uname -sm), $(nproc) CPU cores, no GPU:"
echo
printf '%s\n' "${TABLE[@]}"
exit $FAILED
