"""Benchmark of hostile and very large photos (issue 15): time and peak memory of one upload, each alone.

Makes, each in a process of its own (making a 200-megapixel picture takes memory too), then ingests, each in a
fresh Python (`evidence.ingest`: checks, EXIF, hash, thumbnail, the original stored):
- a 200-megapixel phone photo: baseline JPEG 16320×12240, a textured picture of ~28 MB, the most a photo may weigh;
- the PNG bomb of the issue: 13000×13000, one colour, ~0.5 MB (refused from its header);
- the largest photos decoded whole: a 60-megapixel HEIC, PNG and progressive JPEG (4:4:4, libjpeg's worst), one colour.
For each it prints the outcome, the wall time of the ingest and the peak resident memory of its process above
that of a process that only imported core.evidence (so the upload's own bytes count). Target: a 200 MP photo
under 1 GB. Linux (peak memory from getrusage).

    .venv/bin/python bench/photo_bench.py [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import evidence  # noqa: E402  (registers the HEIF opener and the app's pixel limits)
from PIL import Image  # noqa: E402

PHOTOS = {  # file name → (what it is, width, height)
    "IMG_200MP.jpg": ("200 MP phone photo (baseline JPEG)", 16320, 12240),
    "bomb.png": ("PNG bomb of the issue", 13000, 13000),
    "HEIC_60MP.heic": ("60 MP HEIC, decoded whole", 8944, 6708),
    "PNG_60MP.png": ("60 MP PNG, decoded whole", 8944, 6708),
    "PROG_60MP.jpg": ("60 MP progressive JPEG 4:4:4", 8944, 6708),
}
GREEN = (90, 140, 60)


def make(name: str, path: Path) -> None:
    """Write the photo ``name`` of PHOTOS to ``path`` (run in a child: the pictures are large)."""
    from tests.photos import make_image

    Image.MAX_IMAGE_PIXELS = None  # these are made on purpose
    _, width, height = PHOTOS[name]
    if name == "IMG_200MP.jpg":
        # A 12 MP picture with a phone photo's grain, enlarged: quality 85 lands just under MAX_PHOTO_BYTES.
        make_image(width // 4, height // 4, seed=3).resize((width, height), Image.Resampling.BICUBIC).save(
            path, "JPEG", quality=85)
    elif name.endswith(".png"):
        Image.new("RGB", (width, height), GREEN).save(path, "PNG", compress_level=9)
    elif name.endswith(".heic"):
        Image.new("RGB", (width, height), GREEN).save(path, "HEIF", quality=50, enc_params={"preset": "ultrafast"})
    else:
        Image.new("RGB", (width, height), GREEN).save(path, "JPEG", quality=90, progressive=True, subsampling=0)


def ingest(path: Path | None) -> None:
    """Ingest ``path`` (None: nothing, the baseline) and print: outcome, seconds, peak RSS in KB."""
    data = path.read_bytes() if path else b""
    started = time.perf_counter()
    outcome = "-"
    if path:
        with tempfile.TemporaryDirectory() as root:
            try:
                seen = evidence.ingest(data, path.name, Path(root))
                with Image.open(evidence.thumbnail_path(Path(root), seen.sha256)) as thumbnail:
                    outcome = f"stored {seen.width}×{seen.height}, thumbnail {thumbnail.width}×{thumbnail.height}"
            except evidence.EvidenceError as refused:
                outcome = f"refused: {str(refused)[:60]}…"
    seconds = time.perf_counter() - started
    print(outcome, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, sep="\t")


def child(*args: str) -> list[str]:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return done.stdout.strip().split("\t")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keep", type=Path, help="make the photos in (or reuse them from) this directory")
    parser.add_argument("--make", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--ingest", nargs="?", const="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make:
        return make(args.make[0], Path(args.make[1]))
    if args.ingest is not None:
        return ingest(Path(args.ingest) if args.ingest else None)

    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for name in PHOTOS:
            if not (folder / name).exists():
                started = time.perf_counter()
                child("--make", name, str(folder / name))
                print(f"made {name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        baseline = int(child("--ingest")[2])
        print(f"baseline (Python + core.evidence imported): {baseline / 1024:.0f} MB")
        print(f"limits: {evidence.MAX_PHOTO_PIXELS / 1e6:.0f} MP (baseline JPEG, decoded reduced), "
              f"{evidence.MAX_WHOLE_DECODE_PIXELS / 1e6:.0f} MP (decoded whole), {evidence.MAX_PHOTO_BYTES >> 20} MB")
        for name, (what, width, height) in PHOTOS.items():
            outcome, seconds, peak = child("--ingest", str(folder / name))
            size = (folder / name).stat().st_size
            print(f"{what:38s} {width}×{height} ({width * height / 1e6:.0f} MP, {size / 2**20:5.1f} MB): "
                  f"{float(seconds):5.2f} s, peak +{(int(peak) - baseline) / 1024:4.0f} MB  {outcome}")
        print("target: 200 MP photo under 1024 MB")


if __name__ == "__main__":
    main()
