#!/usr/bin/env bash
# Photo pipeline benchmark (DESIGN §5, issue 3): our compressor beside libvips, ImageMagick and
# Pillow on the same task, in one run: the 12 MP Galaxy S7 photo -> orient, long edge 1600,
# quality 80, no metadata. Per tool: median wall time and peak RSS (/usr/bin/time -v) over
# RUNS runs, output bytes, SSIMULACRA2 against a reference (full decode, Lanczos, PNG).
# Then our two encoder settings (mozjpeg trellis vs plain libjpeg-turbo) across qualities:
# bytes per SSIMULACRA2 point, the measurement behind the encoder choice.
# Installs what it needs (Debian: libvips-tools imagemagick time; PyPI: pillow ssimulacra2
# into target/tools/bench-venv). Not part of CI's tests. Usage: bench/photo.sh [PHOTO] [RUNS]
# Figures are only comparable within one run: other load on the machine slows every tool.
set -euo pipefail
cd "$(dirname "$0")/.."
photo=${1:-../shared/data/photos/samsung_galaxy_s7_edge_SM-G935L.jpg}
runs=${2:-7}
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

# One timed run: prints "wall_seconds max_rss_kb".
timed() {
    /usr/bin/time -v "$@" >/dev/null 2>"$out/time.txt" || { cat "$out/time.txt" >&2; return 1; }
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/time.txt" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out/time.txt")
    echo "$wall $rss"
}

calc() { awk "BEGIN { print $1 }"; }

median() { sort -g | awk '{ a[NR]=$1 } END { print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2 }'; }

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
for t in "${tools[@]}"; do
    : >"$out/$t.walls"; : >"$out/$t.rss"
    for _ in $(seq "$runs"); do
        read -r w r < <(timed ${CMD[$t]})
        echo "$w" >>"$out/$t.walls"; echo "$r" >>"$out/$t.rss"
    done
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
printf '\nours vs libvips: wall %.2fx (target <= 0.9), peak RSS %.2fx (target <= 1), bytes %.2fx (target <= 0.85), ssimulacra2 %s vs %s (target >=)\n' \
    "$(calc "${WALL[ours]} / ${WALL[$v]}")" "$(calc "${RSS[ours]} / ${RSS[$v]}")" \
    "$(calc "${BYTES[ours]} / ${BYTES[$v]}")" "${SCORE[ours]}" "${SCORE[$v]}"
echo "metadata tags exiftool finds in our output (EXIF/XMP/IPTC/GPS/MakerNotes): ${meta}"

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

# Equal quality: the lowest quality at which our output scores at least libvips' q80 output
# (binary search on 80..95), and its bytes beside libvips'.
lo=80; hi=95; eq_q=""; eq_b=""; eq_s=""
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
