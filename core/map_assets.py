"""Point folium at the Leaflet files the app serves itself, so that maps work with no internet.

folium's classes name their JavaScript and CSS as CDN addresses (class attributes ``default_js`` and
``default_css``). :func:`localize_folium` rewrites them, once per process, to the copies under
``static/vendor/`` (listed in ``static/vendor/manifest.json``), using addresses relative to the map's
component frame so that they also work when the app is served under a path (``server.baseUrlPath``).

Any other internet address is dropped rather than kept: Bootstrap, Font Awesome and the
awesome-markers plugin serve folium's icon markers and Bootstrap styling, which the app does not use;
a class that would need them shows up blank in the browser tests instead of reaching the internet.
"""

from __future__ import annotations

import json
from functools import lru_cache

import folium
import folium.elements
import folium.plugins

from core import config

STATIC = config.PROJECT_ROOT / "static"
MANIFEST = STATIC / "vendor" / "manifest.json"
# The map lives in a component frame at <base>/component/<name>/index.html; the app's static files
# are at <base>/app/static/.
STATIC_FROM_COMPONENT = "../../app/static"
LEAFLET_SETUP = "map/leaflet-setup.js"


@lru_cache(maxsize=None)
def local_addresses() -> dict[str, str]:
    """CDN address → path under ``static/`` of the local copy."""
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return {entry["replaces"]: f"vendor/{entry['path']}" for entry in manifest["files"] if entry["replaces"]}


def _classes(base: type) -> list[type]:
    found = []
    for sub in base.__subclasses__():
        found.append(sub)
        found.extend(_classes(sub))
    return found


_done: set[str] = set()


def localize_folium(prefix: str = STATIC_FROM_COMPONENT) -> list[str]:
    """Rewrite every folium class's assets to local copies; returns the internet addresses dropped."""
    if prefix in _done:
        return []
    mapping = local_addresses()
    dropped: list[str] = []
    for cls in [folium.elements.JSCSSMixin, *_classes(folium.elements.JSCSSMixin)]:
        for attribute in ("default_js", "default_css"):
            if attribute not in cls.__dict__:
                continue
            kept = []
            for name, address in cls.__dict__[attribute]:
                if address in mapping:
                    kept.append((name, f"{prefix}/{mapping[address]}"))
                elif address.startswith(("http://", "https://", "//")):
                    dropped.append(address)
                else:
                    kept.append((name, address))
            if cls is folium.Map and attribute == "default_js":
                # Leaflet guesses its image folder from its CSS, which the frame adds too late.
                at = next(i for i, (name, _) in enumerate(kept) if name == "leaflet") + 1
                kept.insert(at, ("leaflet_setup", f"{prefix}/{LEAFLET_SETUP}"))
            setattr(cls, attribute, kept)
    _done.add(prefix)
    return dropped


def internet_addresses(classes: list[type]) -> list[str]:
    """The http(s) addresses the given folium classes (and their bases) still name."""
    found = []
    for cls in classes:
        for attribute in ("default_js", "default_css"):
            for _, address in getattr(cls, attribute, []):
                if address.startswith(("http://", "https://", "//")):
                    found.append(f"{cls.__name__}: {address}")
    return found
