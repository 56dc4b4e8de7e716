#!/usr/bin/env bash
# Photo pipeline benchmark (DESIGN §5, issues 3 and 16): our compressor beside libvips,
# ImageMagick and Pillow on the same task, in one run: the 12 MP Galaxy S7 photo -> orient,
# long edge 1600, quality 80, no metadata. Per tool: median wall time and peak RSS over RUNS
# interleaved rounds (every round runs each tool once, in rotating order), output bytes,
# SSIMULACRA2 against a reference (full decode, Lanczos, PNG). Then the lowest quality at
# which our output scores at least libvips' (bytes at equal quality). The last line holds the
# three ratios of issue 16: `ratio wall X.XX rss X.XX bytes_at_equal_quality X.XX`
# (targets 0.9, 0.7, 0.85). SWEEP=1 adds our two encoder settings (mozjpeg trellis vs plain
# libjpeg-turbo) across qualities.
# Installs what it needs (Debian: libvips-tools imagemagick time; PyPI: pillow ssimulacra2
# into target/tools/bench-venv). Not part of CI's tests. Usage: bench/photo.sh [PHOTO] [RUNS]
# Figures are only comparable within one run: other load on the machine slows every tool.
set -euo pipefail
cd "$(dirname "$0")/.."
photo=${1:-../shared/data/photos/samsung_galaxy_s7_edge_SM-G935L.jpg}
runs=${2:-15}
edge=1600
q=80

need=()
command -v vips >/dev/null || need+=(libvips-tools)
[ -x /usr/bin/convert ] || need+=(imagemagick)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
venv=target/tools/bench-venv
if [ ! -x $venv/bin/python ] || ! $venv/bin/python -c 'import PIL, ssimulacra2' 2>/dev/null; then
    python3 -m venv $venv
    $venv/bin/pip install -q pillow ssimulacra2
fi
py="$venv/bin/python bench/photo_quality.py"
# PHANANH_BIN: an already built release binary (skips the build).
phananh=${PHANANH_BIN:-target/release/phananh}
[ -n "${PHANANH_BIN:-}" ] || cargo build --release --locked -q -p phananh-cli

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

calc() { awk "BEGIN { print $1 }"; }

median() { sort -g | awk '{ a[NR]=$1 } END { print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2 }'; }

# One timed run: prints "wall_seconds max_rss_kb". Wall time from the shell's microsecond
# clock (/usr/bin/time's wall clock has 10 ms steps, too coarse for ~150 ms runs); peak RSS
# from /usr/bin/time. Both tools pay the same fork/exec overhead.
timed() {
    local t0 t1
    t0=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$out/rss.txt" "$@" >/dev/null 2>"$out/err.txt" || { cat "$out/err.txt" >&2; return 1; }
    t1=$EPOCHREALTIME
    echo "$(calc "$t1 - $t0") $(tail -1 "$out/rss.txt")"
}

declare -A CMD
CMD[ours]="$phananh media compress $photo $out/ours.jpg --max-edge $edge --quality $q --max-bytes 100000000"
CMD[ours-plain]="$phananh media compress $photo $out/ours-plain.jpg --max-edge $edge --quality $q --max-bytes 100000000 --encoder plain"
CMD[vips]="vips thumbnail $photo $out/vips.jpg[Q=$q,strip] $edge"
# jpeg:size lets ImageMagick use libjpeg's shrink-on-load too (its documented fast path).
CMD[imagemagick]="/usr/bin/convert -define jpeg:size=$((edge * 2))x$((edge * 2)) $photo -auto-orient -resize ${edge}x${edge} -quality $q -strip $out/imagemagick.jpg"
CMD[pillow]="$py pillow $photo $out/pillow.jpg $edge $q"
tools=(vips ours ours-plain imagemagick pillow)

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "photo: $photo ($(stat -c %s "$photo") bytes), task: orient, long edge $edge, q$q, strip; $runs runs each"
echo "versions: $(vips --version), $(/usr/bin/convert --version | head -1 | cut -d' ' -f2-3), Pillow $($venv/bin/python -c 'import PIL; print(PIL.__version__)')"

# Reference at the size libvips produced (all tools agree on 1600 on the long edge).
for t in "${tools[@]}"; do ${CMD[$t]} >/dev/null; done
read -r rw rh < <($venv/bin/python -c "from PIL import Image; print(*Image.open('$out/vips.jpg').size)")
$py reference "$photo" "$out/ref.png" "$rw" "$rh"

declare -A WALL RSS BYTES SCORE
for t in "${tools[@]}"; do : >"$out/$t.walls"; : >"$out/$t.rss"; done
# Interleaved: every round runs each tool once, the order rotating between rounds, so load
# from the rest of the machine falls on all tools alike; medians over the rounds.
for r in $(seq "$runs"); do
    n=${#tools[@]}
    for i in $(seq 0 $((n - 1))); do
        t=${tools[$(( (i + r) % n ))]}
        read -r w m < <(timed ${CMD[$t]})
        echo "$w" >>"$out/$t.walls"; echo "$m" >>"$out/$t.rss"
    done
done
for t in "${tools[@]}"; do
    WALL[$t]=$(median <"$out/$t.walls")
    RSS[$t]=$(median <"$out/$t.rss")
    BYTES[$t]=$(stat -c %s "$out/$t.jpg")
    SCORE[$t]=$($py score "$out/ref.png" "$out/$t.jpg")
done

meta=$(exiftool -q -q -s -G1 -EXIF:all -XMP:all -IPTC:all -GPS:all -MakerNotes:all "$out/ours.jpg" 2>/dev/null | wc -l || true)
printf '\n%-12s %10s %12s %10s %12s %14s\n' tool wall_ms peak_rss_MB bytes ssimulacra2 size_of_jpeg
for t in "${tools[@]}"; do
    dims=$($venv/bin/python -c "from PIL import Image; print('%dx%d' % Image.open('$out/$t.jpg').size)")
    printf '%-12s %10.0f %12.1f %10d %12s %14s\n' "$t" "$(calc "${WALL[$t]} * 1000")" \
        "$(calc "${RSS[$t]} / 1024")" "${BYTES[$t]}" "${SCORE[$t]}" "$dims"
done
v=vips
printf '\nours vs libvips: wall %.2fx (target <= 0.9), peak RSS %.2fx (target <= 0.7), bytes %.2fx at q%s, ssimulacra2 %s vs %s\n' \
    "$(calc "${WALL[ours]} / ${WALL[$v]}")" "$(calc "${RSS[ours]} / ${RSS[$v]}")" \
    "$(calc "${BYTES[ours]} / ${BYTES[$v]}")" "$q" "${SCORE[ours]}" "${SCORE[$v]}"
echo "metadata tags exiftool finds in our output (EXIF/XMP/IPTC/GPS/MakerNotes): ${meta}"

if [ "${SWEEP:-0}" = 1 ]; then
echo
echo "encoder choice: bytes and SSIMULACRA2 by quality (same decode/resize, 1600 px)"
printf '%-8s %8s %10s %8s %10s %8s\n' quality trellis_B t_score plain_B p_score bytes_ratio
for qq in 60 70 80 90; do
    $phananh media compress "$photo" "$out/t$qq.jpg" --max-edge $edge --quality $qq --max-bytes 100000000 >/dev/null
    $phananh media compress "$photo" "$out/p$qq.jpg" --max-edge $edge --quality $qq --max-bytes 100000000 --encoder plain >/dev/null
    tb=$(stat -c %s "$out/t$qq.jpg"); pb=$(stat -c %s "$out/p$qq.jpg")
    printf '%-8s %8d %10s %8d %10s %8.3f\n' "$qq" "$tb" "$($py score "$out/ref.png" "$out/t$qq.jpg")" \
        "$pb" "$($py score "$out/ref.png" "$out/p$qq.jpg")" "$(calc "$tb / $pb")"
done
fi

# Equal quality: the lowest quality at which our output scores at least libvips' q80 output
# (binary search on 60..95), and its bytes beside libvips'.
lo=60; hi=95; eq_q=""; eq_b=""; eq_s=""
while [ "$lo" -le "$hi" ]; do
    mid=$(( (lo + hi) / 2 ))
    $phananh media compress "$photo" "$out/eq.jpg" --max-edge $edge --quality $mid --max-bytes 100000000 >/dev/null
    s=$($py score "$out/ref.png" "$out/eq.jpg")
    if awk "BEGIN { exit !($s >= ${SCORE[vips]}) }"; then
        eq_q=$mid; eq_b=$(stat -c %s "$out/eq.jpg"); eq_s=$s; hi=$((mid - 1))
    else
        lo=$((mid + 1))
    fi
done
if [ -n "$eq_q" ]; then
    printf '\nequal quality: ours q%s scores %s >= libvips q%s %s at %d bytes = %.2fx libvips bytes (target <= 0.85)\n' \
        "$eq_q" "$eq_s" "$q" "${SCORE[vips]}" "$eq_b" "$(calc "$eq_b / ${BYTES[vips]}")"
else
    echo "equal quality: no quality up to 95 reaches libvips' score"
fi

# The three ratios of issue 16, last: wall and peak RSS medians of the interleaved rounds,
# bytes where our output first scores at least libvips' (targets 0.9, 0.7, 0.85).
ratio_wall=$(calc "${WALL[ours]} / ${WALL[$v]}")
ratio_rss=$(calc "${RSS[ours]} / ${RSS[$v]}")
ratio_bytes=$([ -n "$eq_q" ] && calc "$eq_b / ${BYTES[vips]}" || echo 9.99)
met=$(awk "BEGIN { print ($ratio_wall <= 0.9 && $ratio_rss <= 0.7 && $ratio_bytes <= 0.85) ? \"all targets met\" : \"not all targets met\" }")
echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg); $met"
printf 'ratio wall %.2f rss %.2f bytes_at_equal_quality %.2f\n' "$ratio_wall" "$ratio_rss" "$ratio_bytes"
