#!/usr/bin/env bash
# bench/compare.sh: `kaart build` against Typst on the very same synthetic content, in one run.
#
#   bench/compare.sh [N]            N interventions, default 1000
#
# Makes the JSON data set with ../shared/bench/gen_dataset.py, turns it into a kaart folder with
# json_to_kaart.py, runs `kaart check` on that folder, then times `kaart build` and
# render_typst.py (Typst 0.15 as a Python module) interleaved, so both see the same machine
# load, and prints medians, their ratio, peak memory, pages and bytes per page of both PDFs.
#
# Environment (all optional):
#   KAART_RUNS=5  TYPST_RUNS=3   timed runs of each (Typst takes ~17 s per run at N=1000)
#   SEED=20250101                seed for gen_dataset.py (the README's figures use this one)
#   SHARED_BENCH=DIR             the shared scripts (default: ../shared/bench next to the project)
#   KAART_BIN=PATH               a kaart binary; default: cargo build --release (honours
#                                CARGO_TARGET_DIR) and use target/release/kaart
#   KEEP=1                       keep the temporary folder with data and both PDFs
#   NO_INSTALL=1                 never install anything, only say what is missing
set -euo pipefail

N=${1:-1000}
KAART_RUNS=${KAART_RUNS:-5}
TYPST_RUNS=${TYPST_RUNS:-3}
SEED=${SEED:-20250101}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SHARED=${SHARED_BENCH:-$ROOT/../shared/bench}

die() { echo "compare.sh: $*" >&2; exit 1; }
say() { echo "compare.sh: $*" >&2; }

[[ $N =~ ^[0-9]+$ && $N -gt 0 ]] || die "N must be a positive number, got '$N'"
[[ $KAART_RUNS =~ ^[0-9]+$ && $KAART_RUNS -gt 0 ]] || die "KAART_RUNS must be a positive number"
[[ $TYPST_RUNS =~ ^[0-9]+$ && $TYPST_RUNS -gt 0 ]] || die "TYPST_RUNS must be a positive number"
for f in gen_dataset.py json_to_kaart.py render_typst.py kaart.typ; do
    [[ -f $SHARED/$f ]] || die "$SHARED/$f not found; set SHARED_BENCH to the folder with the shared bench scripts"
done

# --- what we need -------------------------------------------------------------------------
command -v python3 >/dev/null || die "python3 is missing: apt-get install -y python3 python3-pip"
if ! python3 -c 'import typst, yaml' 2>/dev/null; then
    [[ ${NO_INSTALL:-} ]] && die "missing Python modules: pip install typst==0.15.2 pyyaml"
    say "installing typst==0.15.2 and pyyaml with pip"
    python3 -m pip install --quiet typst==0.15.2 pyyaml \
        || python3 -m pip install --quiet --break-system-packages typst==0.15.2 pyyaml \
        || die "could not install; run: pip install typst==0.15.2 pyyaml"
fi
TYPST_VERSION=$(python3 -c 'import importlib.metadata as m; print(m.version("typst"))' 2>/dev/null || echo "?")
[[ $TYPST_VERSION == 0.15.2 ]] || say "warning: Python typst $TYPST_VERSION, the README's figures are for 0.15.2"

have_dejavu() {
    [[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]] || { command -v fc-list >/dev/null && fc-list | grep -q 'DejaVu Sans'; }
}
if ! have_dejavu; then
    if [[ -z ${NO_INSTALL:-} && $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        say "installing fonts-dejavu-core (the font kaart.typ uses)"
        apt-get install -y -qq fonts-dejavu-core >/dev/null \
            || { apt-get update -qq && apt-get install -y -qq fonts-dejavu-core >/dev/null; } \
            || die "could not install; run: apt-get install -y fonts-dejavu-core"
    else
        die "the DejaVu Sans font is missing: apt-get install -y fonts-dejavu-core"
    fi
fi
TIME=""
if [[ -x /usr/bin/time ]] && /usr/bin/time -f %M true 2>/dev/null; then
    TIME=/usr/bin/time # GNU time, for the peak RSS
else
    say "GNU time not found (apt-get install -y time): peak memory is not measured"
fi

if [[ -z ${KAART_BIN:-} ]]; then
    say "building kaart (cargo build --release)"
    (cd "$ROOT" && cargo build --release --quiet) || die "cargo build --release failed"
    target=${CARGO_TARGET_DIR:-$ROOT/target}
    [[ $target = /* ]] || target=$ROOT/$target
    KAART_BIN=$target/release/kaart
fi
[[ -x $KAART_BIN ]] || die "no kaart binary at $KAART_BIN"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kaart-compare.XXXXXX")
cleanup() { if [[ -n ${KEEP:-} ]]; then say "kept $TMP"; else rm -rf "$TMP"; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the same content for both ------------------------------------------------------------
say "N=$N seed=$SEED: generating the data set in $TMP"
python3 "$SHARED/gen_dataset.py" "$N" "$TMP/data.json" --seed "$SEED"
python3 "$SHARED/json_to_kaart.py" "$TMP/data.json" "$TMP/kaart" 2>"$TMP/convert.log" \
    || { cat "$TMP/convert.log" >&2; die "json_to_kaart.py failed"; }

set +e
"$KAART_BIN" check --data "$TMP/kaart" >"$TMP/check.out" 2>"$TMP/check.err"
check_rc=$?
set -e
check_summary=$(tail -n 1 "$TMP/check.err" 2>/dev/null || true)
echo "kaart check on the converted folder: exit $check_rc; $(cat "$TMP/check.out") ${check_summary}"
if [[ $check_rc != 0 ]]; then
    echo "first errors:" >&2
    grep -v '^  ' "$TMP/check.err" | grep -iv 'waarschuwing' | head -n 20 >&2 || true
    die "the converted kaart does not validate; kaart build cannot run on it"
fi
if [[ -s $TMP/check.err ]]; then
    echo "warnings by kind (first line of each message, counted):"
    sed -n 's/^[^:]*:[0-9]*:[0-9]*: //p' "$TMP/check.err" | sed -E 's/"[^"]*"/"…"/g' | sort | uniq -c | sort -rn | head -n 8
fi

# --- timed runs, interleaved -----------------------------------------------------------------
# One run: wall seconds (bash's microsecond clock) and peak RSS in KiB (GNU time), to stdout.
run_timed() {
    local log=$1
    shift
    local t0 t1 rss=0
    t0=$EPOCHREALTIME
    if [[ -n $TIME ]]; then
        "$TIME" -f %M -o "$TMP/rss" "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
        rss=$(tail -n 1 "$TMP/rss")
    else
        "$@" >"$log" 2>&1 || { cat "$log" >&2; return 1; }
    fi
    t1=$EPOCHREALTIME
    echo "$(python3 -c "print(f'{$t1 - $t0:.4f}')") $rss"
}

kaart_times=() kaart_rss=() typst_times=() typst_rss=()
runs=$((KAART_RUNS > TYPST_RUNS ? KAART_RUNS : TYPST_RUNS))
identical=yes
for ((i = 1; i <= runs; i++)); do
    if ((i <= KAART_RUNS)); then
        read -r t rss < <(run_timed "$TMP/kaart.log" "$KAART_BIN" build --data "$TMP/kaart" -o "$TMP/kaart.pdf") \
            || die "kaart build failed (log above)"
        kaart_times+=("$t") kaart_rss+=("$rss")
        if ((i == 1)); then cp "$TMP/kaart.pdf" "$TMP/kaart-first.pdf"; elif ! cmp -s "$TMP/kaart.pdf" "$TMP/kaart-first.pdf"; then identical=NO; fi
        echo "run $i kaart: $t s, $((rss / 1024)) MiB"
    fi
    if ((i <= TYPST_RUNS)); then
        read -r t rss < <(run_timed "$TMP/typst.log" python3 "$SHARED/render_typst.py" "$TMP/data.json" "$TMP/typst.pdf") \
            || die "render_typst.py failed (log above)"
        typst_times+=("$t") typst_rss+=("$rss")
        echo "run $i typst: $t s, $((rss / 1024)) MiB"
    fi
done

pages_of() {
    if command -v pdfinfo >/dev/null; then
        pdfinfo "$1" 2>/dev/null | sed -n 's/^Pages: *//p'
    else
        echo 0
    fi
}
kaart_pages=$(pages_of "$TMP/kaart.pdf")
if [[ -z $kaart_pages || $kaart_pages == 0 ]]; then # the one-line report: "…: 3780 pagina's, …"
    kaart_pages=$(sed -n "s/.*: \([0-9]*\) pagina's.*/\1/p" "$TMP/kaart.log" | tail -n 1)
fi
typst_pages=$(pages_of "$TMP/typst.pdf")
[[ -n $typst_pages && $typst_pages != 0 ]] || say "pdfinfo (poppler-utils) not found: Typst's page count is unknown"

python3 - "$N" "$identical" \
    "kaart" "${kaart_times[*]}" "${kaart_rss[*]}" "${kaart_pages:-0}" "$(stat -c %s "$TMP/kaart.pdf")" \
    "Typst $TYPST_VERSION" "${typst_times[*]}" "${typst_rss[*]}" "${typst_pages:-0}" "$(stat -c %s "$TMP/typst.pdf")" <<'EOF'
import statistics, sys
n, identical = sys.argv[1], sys.argv[2]
rows = []
for k in range(3, len(sys.argv), 5):
    name, times, rss, pages, size = sys.argv[k:k + 5]
    t = [float(x) for x in times.split()]
    r = [int(x) for x in rss.split()]
    rows.append((name, t, max(r) if r else 0, int(pages), int(size)))
print()
print(f"N = {n}, same content (gen_dataset.py -> json_to_kaart.py), runs interleaved; kaart output identical across runs: {identical}")
print()
print("| tool | runs | median s | min s | max s | peak MiB | pages | bytes | bytes/page |")
print("|---|---|---|---|---|---|---|---|---|")
for name, t, rss, pages, size in rows:
    bpp = f"{size // pages:,}" if pages else "?"
    print(f"| {name} | {len(t)} | {statistics.median(t):.3f} | {min(t):.3f} | {max(t):.3f} | "
          f"{rss / 1024:.0f} | {pages} | {size:,} | {bpp} |")
(_, kt, krss, kp, ks), (_, tt, trss, tp, ts) = rows
ratio = statistics.median(tt) / statistics.median(kt)
print()
print(f"kaart is {ratio:.1f}x faster than Typst (median Typst / median kaart; issue 7 wants >= 40x at N=1000)")
print(f"file size, kaart / Typst: {ks / ts:.2f} in total", end="")
if kp and tp:
    print(f", {(ks / kp) / (ts / tp):.2f} per page (kaart {kp} pages, Typst {tp})", end="")
print("; smallest per page in ../shared/bench/README.md: LuaLaTeX 4,487 (N=1000), 4,648 (N=100)")
EOF
