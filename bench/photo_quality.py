"""Helpers for bench/photo.sh: the Pillow contender, the reference image, and SSIMULACRA2.

  photo_quality.py pillow IN OUT EDGE QUALITY   # orient, long edge EDGE, q, no metadata
  photo_quality.py reference IN OUT.png W H     # full decode, orient, Lanczos to WxH, PNG
  photo_quality.py score REF.png DIST.jpg       # prints SSIMULACRA2 (100 = identical)
"""
import sys

from PIL import Image, ImageOps


def pillow(src, dst, edge, quality):
    im = Image.open(src)
    # Pillow's shrink-on-load: libjpeg DCT scaling to at least the requested size.
    im.draft("RGB", (edge, edge))
    im = ImageOps.exif_transpose(im)
    im.thumbnail((edge, edge), Image.Resampling.LANCZOS)
    im.convert("RGB").save(dst, "JPEG", quality=quality)  # no exif= argument: nothing kept


def reference(src, dst, w, h):
    im = ImageOps.exif_transpose(Image.open(src)).convert("RGB")
    im.resize((w, h), Image.Resampling.LANCZOS).save(dst, "PNG")


def score(ref, dist):
    from ssimulacra2 import compute_ssimulacra2

    a, b = Image.open(ref), Image.open(dist)
    if a.size != b.size:
        # Tools round the short edge differently (1199 vs 1200): compare at the reference size.
        b.convert("RGB").resize(a.size, Image.Resampling.LANCZOS).save(dist + ".cmp.png")
        dist = dist + ".cmp.png"
    print(f"{compute_ssimulacra2(ref, dist):.2f}")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "pillow":
        pillow(args[0], args[1], int(args[2]), int(args[3]))
    elif cmd == "reference":
        reference(args[0], args[1], int(args[2]), int(args[3]))
    elif cmd == "score":
        score(args[0], args[1])
    else:
        sys.exit(f"unknown command {cmd}")
