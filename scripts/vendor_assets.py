"""Rebuild or verify the map's third-party files under ``static/vendor/``.

The map must work with no internet, so the Leaflet files folium would take from CDNs are committed
here, taken from the npm registry at the versions folium references, each package with its licence.
``static/vendor/manifest.json`` lists every file with package, version, licence and SHA-256, and the
CDN address it stands in for (``core/map_assets.py`` reads it to point folium at the local copies).

    python scripts/vendor_assets.py            # verify: every file present with the right SHA-256
    python scripts/vendor_assets.py --rebuild  # download with `npm pack`, extract, rewrite the manifest
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"
MANIFEST = VENDOR / "manifest.json"

# package, version, licence, {file in the npm tarball: CDN URL it replaces (or "" for a file it needs)}.
# The CDN URLs are the addresses folium's classes name; nothing fetches them: core/map_assets.py uses them
# only as keys to point folium at the local copy.
PACKAGES = [
    ("leaflet", "1.9.3", "BSD-2-Clause", {
        "dist/leaflet.js": "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
        "dist/leaflet.css": "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css",
        "dist/images/layers.png": "",
        "dist/images/layers-2x.png": "",
        "dist/images/marker-icon.png": "",
        "dist/images/marker-icon-2x.png": "",
        "dist/images/marker-shadow.png": "",
        "LICENSE": "",
    }),
    # folium's Popup builds its content with jQuery.
    ("jquery", "3.7.1", "MIT", {
        "dist/jquery.min.js": "https://code.jquery.com/jquery-3.7.1.min.js",
        "LICENSE.txt": "",
    }),
    ("leaflet.markercluster", "1.1.0", "MIT", {
        "dist/leaflet.markercluster.js":
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/leaflet.markercluster.js",
        "dist/MarkerCluster.css": "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.css",
        "dist/MarkerCluster.Default.css":
            "https://cdnjs.cloudflare.com/ajax/libs/leaflet.markercluster/1.1.0/MarkerCluster.Default.css",
        "MIT-LICENCE.txt": "",
    }),
]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rebuild() -> None:
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, licence, files in PACKAGES:
            subprocess.run(["npm", "pack", "--silent", f"{name}@{version}"], cwd=tmp, check=True,
                           stdout=subprocess.DEVNULL)
            tarball = next(Path(tmp).glob(f"{name.replace('@', '').replace('/', '-')}-{version}.tgz"))
            with tarfile.open(tarball) as archive:
                for inner, replaces in files.items():
                    member = archive.extractfile(f"package/{inner}")
                    assert member is not None, f"{name}@{version} has no {inner}"
                    target = VENDOR / name / inner.removeprefix("dist/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(member.read())
                    entries.append({
                        "package": name, "version": version, "licence": licence,
                        "path": target.relative_to(VENDOR).as_posix(), "sha256": sha256(target),
                        "replaces": replaces,
                    })
    MANIFEST.write_text(json.dumps({"files": entries}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"rebuilt {len(entries)} files; manifest: {MANIFEST.relative_to(ROOT)}")


def verify() -> list[str]:
    """Problems found (empty when every file is present with its recorded hash and no file is extra)."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    problems = []
    listed = set()
    for entry in manifest["files"]:
        path = VENDOR / entry["path"]
        listed.add(path)
        if not path.exists():
            problems.append(f"missing: {entry['path']}")
        elif sha256(path) != entry["sha256"]:
            problems.append(f"changed: {entry['path']}")
    extra = [p for p in VENDOR.rglob("*") if p.is_file() and p not in listed and p != MANIFEST]
    problems += [f"not in manifest: {p.relative_to(VENDOR).as_posix()}" for p in extra]
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if args.rebuild:
        rebuild()
    problems = verify()
    for problem in problems:
        print(problem)
    print("ok" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
