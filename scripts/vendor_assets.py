"""Vendor the front-end packages the pages use into zhili/web/static/vendor/ (no CDN at run time).

    python scripts/vendor_assets.py            # fetch the pinned versions with `npm pack`, copy dist files
    python scripts/vendor_assets.py --check    # verify the committed files against VERSIONS.json

Each package is fetched with the ordinary npm client into a temporary directory (nothing is
installed into the repository), its tarball integrity is recorded, and only the listed dist files
are copied. VERSIONS.json records package, version, npm integrity, and each file's SHA-256, so a
reviewer can see exactly what is served. htmx is not vendored here: django-htmx ships it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "zhili" / "web" / "static" / "vendor"
MANIFEST = VENDOR / "VERSIONS.json"

# package -> (pinned version, files inside the npm tarball's package/ directory). A file lands in
# vendor/<package>/ under its own name, except below an images/ folder, which is kept (Leaflet's
# CSS refers to images/…).
PACKAGES: dict[str, tuple[str, list[str]]] = {
    "bootstrap": (
        "5.3.9",
        ["dist/css/bootstrap.min.css", "dist/js/bootstrap.bundle.min.js", "LICENSE"],
    ),
    # Charts for the leaders' overview (issue 5); maps are drawn from the units' own GeoJSON.
    "echarts": ("6.1.0", ["dist/echarts.min.js", "LICENSE"]),
    # The accessibility checks of the browser tests (labels, contrast, landmarks); pages never load it.
    "axe-core": ("4.14.1", ["axe.min.js", "LICENSE"]),
    "leaflet": (
        "1.9.4",
        [
            "dist/leaflet.js",
            "dist/leaflet.css",
            "dist/images/layers.png",
            "dist/images/layers-2x.png",
            "dist/images/marker-icon.png",
            "dist/images/marker-icon-2x.png",
            "dist/images/marker-shadow.png",
            "LICENSE",
        ],
    ),
}


def target_of(member: str) -> Path:
    """Where a packaged file goes, relative to vendor/<package>/."""
    if "/images/" in f"/{member}":
        return Path("images") / Path(member).name
    return Path(Path(member).name)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def npm_pack(name: str, version: str, into: Path) -> tuple[Path, dict[str, str]]:
    """Download one package tarball with `npm pack`; returns its path and npm's metadata."""
    result = subprocess.run(  # fixed argv, no shell
        ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", str(into)],
        check=True,
        capture_output=True,
        text=True,
        cwd=into,
    )
    info = json.loads(result.stdout)[0]
    if info["version"] != version:
        raise SystemExit(f"{name}: npm gave version {info['version']}, expected {version}")
    return into / info["filename"], {"integrity": info["integrity"], "shasum": info["shasum"]}


def extract(tarball: Path, member: str, target: Path) -> None:
    with tarfile.open(tarball, "r:gz") as archive:
        source = archive.extractfile(f"package/{member}")
        if source is None:
            raise SystemExit(f"{tarball.name}: {member} is not a regular file")
        target.parent.mkdir(parents=True, exist_ok=True)
        with source, target.open("wb") as handle:
            shutil.copyfileobj(source, handle)


def vendor() -> dict[str, dict[str, object]]:
    manifest: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory(prefix="zhili-vendor-") as tmp:
        for name, (version, files) in PACKAGES.items():
            tarball, info = npm_pack(name, version, Path(tmp))
            destination = VENDOR / name
            if destination.exists():
                shutil.rmtree(destination)
            entries = {}
            for member in files:
                target = destination / target_of(member)
                extract(tarball, member, target)
                entries[f"{name}/{target_of(member).as_posix()}"] = {"from": member, "sha256": sha256(target)}
            manifest[name] = {"version": version, **info, "files": entries}
            print(f"vendored {name}@{version}: {', '.join(entries)}")
    MANIFEST.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def check() -> int:
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    problems = []
    for name, (version, _files) in PACKAGES.items():
        if manifest.get(name, {}).get("version") != version:
            problems.append(f"{name}: VERSIONS.json does not record the pinned version {version}")
    for package in manifest.values():
        for relative, entry in package["files"].items():
            path = VENDOR / relative
            if not path.exists():
                problems.append(f"{relative}: missing")
            elif sha256(path) != entry["sha256"]:
                problems.append(f"{relative}: content differs from VERSIONS.json")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify vendored files, fetch nothing")
    args = parser.parse_args()
    if args.check:
        raise SystemExit(check())
    vendor()


if __name__ == "__main__":
    main()
