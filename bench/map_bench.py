"""Benchmark of the map with 10,000 mines: our map against a naive baseline, in one run.

(a) server-side time to build the map (points + folium + the HTML st_folium renders);
(b) time in chromium from navigation until the points are drawn;
for our map page and for a naive baseline (one folium.Marker per mine in a MarkerCluster, default
st_folium), on the same data; and (c) the rerun time of the map page when a non-map widget changes.
The baseline gets the same local Leaflet files (without them a default folium map stays blank offline).
Targets on a 2-core machine: points drawn within 3 s; at least 10x faster than the baseline;
non-map rerun under 300 ms.

    .venv/bin/python bench/map_bench.py [--mines 10000] [--visits 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import folium  # noqa: E402
from folium.plugins import MarkerCluster  # noqa: E402

from core import access, accounts, basemap, maps, registry, settings  # noqa: E402
from core import db as dbmod  # noqa: E402
from core import demo  # noqa: E402
from core.map_assets import localize_folium  # noqa: E402
from tests.e2e.browser import drawn_mines  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, free_port  # noqa: E402
from bench.common import logged_in_app  # noqa: E402
from ui import auth  # noqa: E402

BASELINE_APP = '''
import folium
import streamlit as st
from folium.plugins import MarkerCluster
from streamlit_folium import st_folium

from core import db, registry
from core.map_assets import localize_folium
from core.access import System

localize_folium()
st.set_page_config(layout="wide")
mines = registry.list_mines(db.connect(), registry.Filters(statuses=["在册"]))
fmap = folium.Map(location=[31.0, 112.3], zoom_start=7, tiles=None, maxZoom=18)
cluster = MarkerCluster().add_to(fmap)
for mine in mines.itertuples():
    folium.Marker([mine.lat, mine.lon], tooltip=mine.name, popup=mine.licence_no).add_to(cluster)
st_folium(fmap, height=620, use_container_width=True)
'''


def naive_map(mines) -> folium.Map:
    fmap = folium.Map(location=[31.0, 112.3], zoom_start=7, tiles=None, maxZoom=18)
    cluster = MarkerCluster().add_to(fmap)
    for mine in mines.itertuples():
        folium.Marker([mine.lat, mine.lon], tooltip=mine.name, popup=mine.licence_no).add_to(cluster)
    return fmap


def timed(build, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        build().get_root().render()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def serve(script: Path, data_dir: Path, cwd: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "GREENMINE_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-c", "import sys; from streamlit.runtime.pages_manager import PagesManager;"
         "PagesManager.uses_pages_directory = False; from streamlit.web import cli;"
         f"sys.argv = ['streamlit', 'run', {str(script)!r}, '--server.port', '{port}',"
         " '--server.address', '127.0.0.1', '--server.headless', 'true',"
         " '--server.enableStaticServing', 'true', '--browser.gatherUsageStats', 'false']; cli.main()"],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    import urllib.request
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return server, f"http://127.0.0.1:{port}"


def time_to_points(browser, url: str, expected: int, visits: int, session: str = "") -> tuple[float, int]:
    """Median time from navigation to the map's points, each visit in a new browser context (logged in
    with the session cookie ``session``, when given)."""
    times, drawn = [], 0
    for visit in range(visits + 1):  # the first visit warms the server up and is not counted
        context = browser.new_context(viewport={"width": 1400, "height": 1600})
        if session:
            context.add_cookies([{"name": auth.COOKIE, "value": session, "url": url}])
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_function(
            "() => { const f = document.querySelector(\"iframe[src*='st_folium']\");"
            " return f && f.contentDocument &&"
            " f.contentDocument.querySelectorAll('.marker-cluster, path.gm-mine, .leaflet-marker-icon').length > 0; }",
            timeout=180_000, polling=50,
        )
        elapsed = time.perf_counter() - started
        frame = next(f for f in page.frames if "st_folium" in f.url)
        drawn = drawn_mines(frame)
        context.close()
        if visit:
            times.append(elapsed)
    return statistics.median(times), drawn


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mines", type=int, default=10_000)
    parser.add_argument("--visits", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        data_dir.mkdir()
        os.environ["GREENMINE_DATA_DIR"] = str(data_dir)
        database = dbmod.connect(data_dir / "greenmine.db")
        demo.load_demo(database, mines=args.mines)
        mines = registry.list_mines(database, registry.Filters(statuses=["在册"]))
        print(f"mines on the map: {len(mines)}")

        localize_folium()
        base, province = basemap.load(database), settings.province(database)

        def ours() -> folium.Map:
            return maps.build_map(maps.point_rows(mines, "入库级别"), "入库级别", base, province)

        ours_build = timed(ours)
        naive_build = timed(lambda: naive_map(mines), repeat=1)
        print(f"(a) build map, ours:      {ours_build:7.3f} s  ({len(ours().get_root().render()) / 1e6:.1f} MB HTML)")
        print(f"(a) build map, baseline:  {naive_build:7.3f} s  ({len(naive_map(mines).get_root().render()) / 1e6:.1f} MB HTML)")
        print(f"(a) ratio baseline/ours:  {naive_build / ours_build:7.1f}x")

        baseline_dir = Path(tmp) / "baseline"
        baseline_dir.mkdir()
        (baseline_dir / "baseline_map.py").write_text(BASELINE_APP, encoding="utf-8")
        (baseline_dir / "static").symlink_to(ROOT / "static")  # the same local Leaflet files

        from playwright.sync_api import sync_playwright

        ours_server, ours_url = serve(ROOT / "app.py", data_dir, ROOT)
        naive_server, naive_url = serve(baseline_dir / "baseline_map.py", data_dir, baseline_dir)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                session = auth.session_for(database, accounts.get(database, accounts.create_user(
                    database, "bench", "基准测试", access.VIEWER, "lvkuang-2023", System("bench"), must_change=False)))
                ours_time, ours_drawn = time_to_points(browser, f"{ours_url}/map", len(mines), args.visits, session)
                naive_time, naive_drawn = time_to_points(browser, naive_url, len(mines), args.visits)
                browser.close()
        finally:
            for server in (ours_server, naive_server):
                server.terminate()
                server.wait(timeout=20)
        print(f"(b) navigation → points drawn, ours:     {ours_time:6.2f} s median of {args.visits}"
              f" ({ours_drawn} mines drawn; target < 3 s)")
        print(f"(b) navigation → points drawn, baseline: {naive_time:6.2f} s median of {args.visits}"
              f" ({naive_drawn} mines drawn)")
        print(f"(b) ratio baseline/ours:                 {naive_time / ours_time:6.1f}x  (target >= 10x)")

        at = logged_in_app("bench2")
        at.switch_page("pages/map.py").run()
        assert not at.exception, at.exception
        reruns = []
        for index in range(5):
            started = time.perf_counter()
            at.toggle(key="map_list").set_value(index % 2 == 0).run()
            reruns.append(time.perf_counter() - started)
        assert not at.exception, at.exception
        print(f"(c) map page rerun after a non-map widget: {statistics.median(reruns) * 1000:5.0f} ms median of 5"
              f" (max {max(reruns) * 1000:.0f} ms; target < 300 ms)")


if __name__ == "__main__":
    main()
