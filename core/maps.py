"""The map of registry mines: points coloured by a chosen dimension, clustered in the browser, over
the base map chosen in settings, with a legend drawn by the app.

Mines travel to the browser as one compact data array drawn by a JavaScript callback (like folium's
``FastMarkerCluster``), not as one Python ``Marker`` each: 10,000 mines build in a fraction of a second.
Every user-supplied text is HTML-escaped here, before it reaches the browser.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

import folium
import pandas as pd
from branca.element import CssLink, Element, JavascriptLink, MacroElement
from folium.plugins import MarkerCluster
from folium.template import Template

from core import basemap as basemaps
from core import followup, regions
from core.labels import (FLAG_OPEN_PIT, FLAG_PROBLEM, FLAG_RECTIFY, KEEP, LEVELS, OPEN_PIT, RECTIFY, REMOVE,
                         STATUS_LISTED, STATUS_REMOVED)
from core.map_assets import STATIC_FROM_COMPONENT, localize_folium

DIMENSIONS = ("入库级别", "重点核查类别", "名录状态", "核查进度", "整改跟踪")
OTHER = "其他"
NOT_DRAWN = "未抽中"
NO_CASE = "无整改"
PALETTES: dict[str, dict[str, str]] = {
    "入库级别": dict(zip(LEVELS, ("#c62828", "#ef6c00", "#1565c0", "#6a1b9a"))),
    "重点核查类别": {FLAG_PROBLEM: "#d32f2f", FLAG_RECTIFY: "#f9a825", FLAG_OPEN_PIT: "#1976d2", OTHER: "#78909c"},
    "名录状态": {STATUS_LISTED: "#2e7d32", STATUS_REMOVED: "#9e9e9e"},
    # The current campaign: each drawn mine's record (see core.inspections.progress_label).
    "核查进度": {"待核查": "#8d6e63", "核查中": "#1e88e5", KEEP: "#2e7d32", RECTIFY: "#f9a825", REMOVE: "#c62828",
              NOT_DRAWN: "#cfd8dc"},
    # Follow-up of results: each mine's rectification (see core.followup.status_by_licence).
    "整改跟踪": {followup.OVERDUE: "#b71c1c", followup.DUE_SOON: "#ef6c00", followup.OPEN: "#f9a825",
              followup.MATERIALS: "#1e88e5", followup.PENDING_REMOVAL: "#6a1b9a", followup.FAILED: "#795548",
              followup.PASSED: "#2e7d32", NO_CASE: "#cfd8dc"},
}
# The dimensions whose category is also written in each mine's details line.
DETAIL_LINE = {"核查进度": "核查进度", "整改跟踪": "整改"}
TOOLTIP_LICENCE = re.compile(r"采矿许可证号：(.+?)入库级别：")

# The browser draws each mine from its row: [lat, lon, colour index, priority ring (0/1), name,
# licence, index of its details line]. Details lines ("入库级别：…<br>开采矿种：…") repeat across mines,
# so they travel once, in their own list. Texts arrive escaped.
MARKER_CALLBACK = """function (row) {
    var marker = L.circleMarker(new L.LatLng(row[0], row[1]), {
        radius: 7, className: "gm-mine", weight: row[3] ? 3 : 1.5, color: row[3] ? "#212121" : "#ffffff",
        fillColor: colours[row[2]], fillOpacity: 0.9, gmClass: row[2]
    });
    marker.bindTooltip("<b>" + row[4] + "</b><br>采矿许可证号：" + row[5] + "<br>" + details[row[6]]);
    return marker;
}"""

# A cluster shows the colouring too: a ring split into arcs, one per colour class, each as long as that
# class's share of the cluster's mines (inline SVG, no image files), with the number of mines inside.
CLUSTER_ICON = """function (cluster) {
    var children = cluster.getAllChildMarkers(), total = children.length, counts = [], parts = [];
    for (var k = 0; k < colours.length; k++) { counts.push(0); }
    for (var i = 0; i < total; i++) { counts[children[i].options.gmClass] += 1; }
    var size = total < 10 ? 32 : (total < 100 ? 38 : 44), half = size / 2, r = half - 5;
    var around = 2 * Math.PI * r, start = 0;
    var svg = '<svg width="' + size + '" height="' + size + '" viewBox="0 0 ' + size + ' ' + size + '">'
        + '<circle cx="' + half + '" cy="' + half + '" r="' + (half - 1) + '" fill="rgba(255,255,255,.92)"/>';
    for (var c = 0; c < counts.length; c++) {
        if (!counts[c]) { continue; }
        var length = counts[c] / total * around;
        svg += '<circle class="gm-share" data-class="' + c + '" cx="' + half + '" cy="' + half + '" r="' + r
            + '" fill="none" stroke="' + colours[c] + '" stroke-width="7" stroke-dasharray="' + length + ' '
            + (around - length) + '" stroke-dashoffset="' + (-start) + '" transform="rotate(-90 ' + half + ' '
            + half + ')"/>';
        start += length;
        parts.push(labels[c] + " " + counts[c]);
    }
    svg += '</svg>';
    return L.divIcon({
        html: '<div title="' + parts.join("，") + '">' + svg + '<span style="line-height:' + size + 'px">'
            + total + '</span></div>',
        className: "marker-cluster gm-cluster", iconSize: L.point(size, size)
    });
}"""


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: str
    count: int


def categories(mines: pd.DataFrame, dimension: str) -> pd.Series:
    """The category of each mine along a dimension (a mine in several priority categories takes the first)."""
    if dimension == "入库级别":
        return mines["level"]
    if dimension == "名录状态":
        return mines["status"]
    if dimension == "核查进度":
        if "progress" not in mines:
            return pd.Series(NOT_DRAWN, index=mines.index)
        return mines["progress"].fillna(NOT_DRAWN).replace("", NOT_DRAWN)
    if dimension == "整改跟踪":
        if "followup" not in mines:
            return pd.Series(NO_CASE, index=mines.index)
        return mines["followup"].fillna(NO_CASE).replace("", NO_CASE)
    if dimension == "重点核查类别":
        chosen = pd.Series(OTHER, index=mines.index)
        chosen[mines["method"] == OPEN_PIT] = FLAG_OPEN_PIT
        chosen[mines["flag_rectify"] == 1] = FLAG_RECTIFY
        chosen[mines["flag_problem"] == 1] = FLAG_PROBLEM
        return chosen
    raise ValueError(f"unknown dimension {dimension}")


def priority_note(mines: pd.DataFrame) -> pd.Series:
    """'问题线索', '回头看整改要求', both, or '' for each mine."""
    return pd.Series([
        "、".join(label for flag, label in ((problem, FLAG_PROBLEM), (rectify, FLAG_RECTIFY)) if flag == 1)
        for problem, rectify in zip(mines["flag_problem"], mines["flag_rectify"])
    ], index=mines.index, dtype=object)


def _escaped(column: pd.Series) -> list[str]:
    return [html.escape(str(value), quote=True) for value in column.fillna("")]


@dataclass
class MapPoints:
    """What the map draws: a row per located mine, the details lines they share, the legend."""

    rows: list[list]
    details: list[str]
    legend: list[LegendEntry]
    missing: int  # mines without coordinates


def point_rows(mines: pd.DataFrame, dimension: str) -> MapPoints:
    """The map's points for these mines, coloured along ``dimension``."""
    palette = PALETTES[dimension]
    located = mines[mines["lat"].notna() & mines["lon"].notna()]
    category = categories(located, dimension)
    order = list(palette)
    index = category.map(lambda c: order.index(c) if c in order else len(order) - 1)
    notes = priority_note(located)
    progress = category if dimension in DETAIL_LINE else pd.Series("", index=located.index)
    lines = [
        f"入库级别：{level}<br>开采矿种：{mineral} · {method}<br>状态：{status}" + (f"<br>重点核查：{note}" if note else "")
        + (f"<br>{DETAIL_LINE[dimension]}：{step}" if step else "")
        for level, mineral, method, status, note, step in zip(
            _escaped(located["level"]), _escaped(located["mineral"]), _escaped(located["method"]),
            _escaped(located["status"]), notes, progress)
    ]
    details = list(dict.fromkeys(lines))
    position = {line: i for i, line in enumerate(details)}
    rows = [list(row) for row in zip(
        located["lat"].round(6), located["lon"].round(6), index, (notes != "").astype(int),
        _escaped(located["name"]), _escaped(located["licence_no"]), (position[line] for line in lines),
    )]
    counts = category.value_counts()
    legend = [LegendEntry(label, colour, int(counts.get(label, 0))) for label, colour in palette.items()]
    return MapPoints(rows, details, legend, len(mines) - len(located))


class MineLayer(MarkerCluster):
    """Clustered mines drawn in the browser from one data array by a JavaScript callback.

    Like folium's FastMarkerCluster, but the array is written as UTF-8 JSON (folium's ``tojson``
    writes each Chinese character as a six-byte escape, doubling what the browser downloads) and the
    markers reach the cluster in one ``addLayers`` call, which Leaflet.markercluster does in bulk.
    """

    _template = Template("""
        {% macro script(this, kwargs) %}
            var {{ this.get_name() }} = (function () {
                var colours = {{ this.colours_json }};
                var labels = {{ this.labels_json }};
                var details = {{ this.details_json }};
                var callback = {{ this.callback }};
                var data = {{ this.data_json }};
                var markers = new Array(data.length);
                for (var i = 0; i < data.length; i++) {
                    markers[i] = callback(data[i]);
                }
                var options = {{ this.options|tojavascript }};
                options.iconCreateFunction = {{ this.icon_create }};
                var cluster = L.markerClusterGroup(options);
                cluster.addLayers(markers);
                cluster.addTo({{ this._parent.get_name() }});
                return cluster;
            })();
        {% endmacro %}
    """)

    def __init__(self, points: MapPoints, options: dict, name: str):
        super().__init__(name=name, options=options)
        self._name = "MineLayer"
        self.callback = MARKER_CALLBACK
        self.icon_create = CLUSTER_ICON
        self.colours_json = script_json([entry.colour for entry in points.legend])
        self.labels_json = script_json([html.escape(entry.label, quote=True) for entry in points.legend])
        self.details_json = script_json(points.details)
        self.data_json = script_json(points.rows)

    def render(self, **kwargs) -> None:
        # What folium's classes do on render (asset links, then the script), except that branca would
        # compile the rendered script - megabytes of mine data - as a Jinja template once more: slow,
        # and a mine named "{{ … }}" would be evaluated as template code on the server.
        figure = self.get_root()
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        figure.script.add_child(_Verbatim(self._template.module.script(self, kwargs)), name=self.get_name())


class _Verbatim(Element):
    """Text that goes into the page exactly as it is."""

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def render(self, **kwargs) -> str:
        return self.text


def script_json(value: object) -> str:
    """JSON that is safe inside a <script> element, with Chinese text as it is.

    Braces are escaped too, so that no text can ever be read as Jinja template syntax ("{{", "{%").
    The value must hold no objects (mappings), only lists and scalars.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("{", "\\u007b").replace("}", "\\u007d")
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


class _MapControls(MacroElement):
    """What the app draws around the mines: the legend (branca's ColorMap would fetch d3 from a CDN), a
    scale bar in Chinese units, the first view, and prefecture labels kept clear of the mines.

    The first view fits the province (its boundary when one is loaded) into the part of the map the
    legend leaves free - below or beside it, whichever shows the province larger - so that the legend
    covers no mine and no mine sits under it where a click would land on the legend instead.
    """

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
          .gm-legend { background: rgba(255,255,255,.94); padding: 6px 10px; border-radius: 4px;
                       font: 13px/1.6 "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; color: #263238;
                       box-shadow: 0 1px 4px rgba(0,0,0,.3); }
          .gm-legend summary { cursor: pointer; font-weight: 600; }
          .gm-legend i { display: inline-block; width: 11px; height: 11px; border-radius: 50%;
                         margin-right: 6px; border: 1px solid #fff; vertical-align: -1px; }
          .gm-legend .ring { border: 2px solid #212121; background: #fff; }
          .leaflet-container { background: #eef2ef; }
          .gm-seat { background: transparent; border: 0; box-shadow: none; color: #37474f; padding: 0 3px;
                     font-weight: 600; line-height: 1.3; text-shadow: 0 0 3px #fff, 0 0 3px #fff; }
          .gm-seat:before { display: none; }
          .gm-cluster { background: none; }
          .gm-cluster div { position: relative; }
          .gm-cluster svg { position: absolute; left: 0; top: 0; }
          .gm-cluster span { position: absolute; left: 0; right: 0; top: 0; text-align: center;
                             font: 600 12px sans-serif; color: #263238; }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var legend = L.control({position: "bottomright"});
            legend.onAdd = function () {
                var box = L.DomUtil.create("div", "gm-legend");
                box.innerHTML = {{ this.content|tojson }};
                L.DomEvent.disableClickPropagation(box);
                L.DomEvent.disableScrollPropagation(box);
                return box;
            };
            legend.addTo(map);
            var ChineseScale = L.Control.Scale.extend({
                _updateMetric: function (maxMeters) {
                    var meters = this._getRoundNum(maxMeters);
                    this._updateScale(this._mScale, meters < 1000 ? meters + " 米" : (meters / 1000) + " 公里",
                                      meters / maxMeters);
                }
            });
            new ChineseScale({imperial: false, position: "bottomleft"}).addTo(map);

            var bounds = L.latLngBounds({{ this.bounds|tojson }});
            function fit(tries) {
                // The frame may not be laid out, nor Leaflet's style sheet applied, when this runs: wait
                // until the map has its size and the legend is a box in its corner.
                var box = legend.getContainer(), size = map.getContainer().getBoundingClientRect();
                var ready = size.width >= 50 && size.height >= 50 && box.offsetWidth > 0
                    && box.offsetWidth < size.width * 0.6 && box.offsetHeight < size.height * 0.6;
                if (!ready && tries > 0) {
                    setTimeout(function () { fit(tries - 1); }, 50);
                    return;
                }
                map.invalidateSize({pan: false});
                var below = L.point(16, Math.min(box.offsetHeight + 24, size.height / 2)),
                    beside = L.point(Math.min(box.offsetWidth + 24, size.width / 2), 16);
                var side = map.getBoundsZoom(bounds, false, below) >= map.getBoundsZoom(bounds, false, beside)
                    ? below : beside;
                map.fitBounds(bounds, {paddingTopLeft: [8, 8], paddingBottomRight: [side.x - 8, side.y - 8],
                                       animate: false});
                setTimeout(function () {  // once the clusters of the new view have settled
                    declutter();
                    map.getContainer().setAttribute("data-fitted", "1");  // tests wait for the first view
                }, 500);
            }
            fit(100);
            // The frame takes its final width after the first drawing: fit again until the user moves the map.
            var touched = false;
            L.DomEvent.on(map.getContainer(), "mousedown wheel touchstart keydown", function () { touched = true; });
            map.on("resize", function () { if (!touched) { fit(0); } });

            // A prefecture's name moves beside its seat (right, left, above, below) to a place where it lies
            // over no mine, cluster or other name; where there is none, it is hidden.
            function overlaps(a, b) {
                return a.left < b.right && a.right > b.left && a.top < b.bottom && a.bottom > b.top;
            }
            function declutter() {
                var container = map.getContainer();
                var taken = [].map.call(container.querySelectorAll(".marker-cluster, path.gm-mine"),
                                        function (e) { return e.getBoundingClientRect(); });
                [].forEach.call(container.querySelectorAll(".gm-seat"), function (label) {
                    label.style.left = label.style.top = "";
                    var rect = label.getBoundingClientRect(), w = rect.width + 14, h = rect.height;
                    var places = [[0, 0], [-w, 0], [-w / 2 - 7, -h], [-w / 2 - 7, h], [0, -h], [0, h], [-w, -h],
                                  [-w, h], [-w / 2 - 7, -2 * h], [-w / 2 - 7, 2 * h], [w / 2, 0], [-1.5 * w, 0]];
                    var free = null;
                    for (var i = 0; i < places.length && !free; i++) {
                        var moved = {left: rect.left + places[i][0], right: rect.right + places[i][0],
                                     top: rect.top + places[i][1], bottom: rect.bottom + places[i][1]};
                        if (!taken.some(function (other) { return overlaps(moved, other); })) {
                            free = moved;
                            label.style.left = places[i][0] + "px";
                            label.style.top = places[i][1] + "px";
                        }
                    }
                    label.style.visibility = free ? "" : "hidden";
                    if (free) { taken.push(free); }
                });
            }
            function later() { setTimeout(declutter, 0); setTimeout(declutter, 400); }
            map.on("moveend zoomend", later);
            {% if this.mines %}{{ this.mines }}.on("animationend", later);{% endif %}
            later();
        })();
        {% endmacro %}
    """)

    def __init__(self, title: str, entries: list[LegendEntry], bounds: list[list[float]], mines: str = ""):
        super().__init__()
        self._name = "MapControls"
        self.bounds = bounds
        self.mines = mines
        lines = [f'<i style="background:{e.colour}"></i>{html.escape(e.label)}（{e.count}）' for e in entries]
        lines.append('<i class="ring"></i>黑圈：有问题线索或整改要求')
        self.content = f"<details open><summary>{html.escape(title)}</summary>{'<br>'.join(lines)}</details>"


def build_map(points: MapPoints, dimension: str, base: basemaps.Basemap, province: regions.Region,
              boundary: dict | None = None, height: int = 620) -> folium.Map:
    """The folium map of the given points (see :func:`point_rows`)."""
    localize_folium()
    # The first view: the province's own outline when one is loaded, else the box of its prefectures.
    min_lon, min_lat, max_lon, max_lat = (basemaps.boundary_box(boundary) if boundary else None) \
        or regions.province_box(province.code)
    with_tiles = base.kind in ("tiles", "local")
    fmap = folium.Map(
        location=[(min_lat + max_lat) / 2, (min_lon + max_lon) / 2], zoom_start=7, tiles=None,
        # Leaflet's own maxZoom: without tiles folium does not set it and MarkerCluster refuses to start.
        maxZoom=base.max_zoom, minZoom=4, attributionControl=with_tiles, height=height,
        zoomSnap=0.25,
    )
    if base.kind == "tiles":
        folium.TileLayer(base.url, attr=html.escape(base.attribution), name="底图", max_zoom=base.max_zoom,
                         subdomains=base.subdomains or "abc").add_to(fmap)
        if base.label_url:
            folium.TileLayer(base.label_url, attr=" ", name="注记", overlay=True, max_zoom=base.max_zoom,
                             subdomains=base.subdomains or "abc").add_to(fmap)
    elif base.kind == "local":
        folium.TileLayer(f"{STATIC_FROM_COMPONENT}/tiles/{{z}}/{{x}}/{{y}}.{base.suffix}",
                         attr=html.escape(base.attribution or "本地瓦片"), name="底图",
                         max_zoom=base.max_zoom).add_to(fmap)
    if boundary:
        # Without tiles a light fill shows the province's shape; it never takes a click meant for a mine.
        folium.GeoJson(boundary, name="行政区边界", control=False, interactive=False, style_function=lambda _: {
            "color": "#546e7a", "weight": 2, "fill": not with_tiles, "fillColor": "#ffffff",
            "fillOpacity": 0.7}).add_to(fmap)
    if not with_tiles:
        seats = folium.FeatureGroup(name="地市驻地", control=False)
        for seat in regions.prefectures(province.code):
            if seat.lat is None or seat.lon is None:
                continue
            folium.CircleMarker([seat.lat, seat.lon], radius=3, color="#455a64", weight=1, fill=True,
                                fill_opacity=1, tooltip=folium.Tooltip(
                                    regions.short_name(seat.name), permanent=True, direction="right",
                                    className="gm-seat", sticky=False)).add_to(seats)
        seats.add_to(fmap)
    mines = MineLayer(points, name="矿山", options={
        "maxClusterRadius": 45, "disableClusteringAtZoom": 11, "chunkedLoading": False,
        "spiderfyOnMaxZoom": False, "showCoverageOnHover": False,
    })
    mines.add_to(fmap)
    _MapControls(dimension, points.legend, [[min_lat, min_lon], [max_lat, max_lon]], mines.get_name()).add_to(fmap)
    return fmap


def clicked_licence(tooltip_text: str | None) -> str | None:
    """The licence number in the tooltip text of the mine the user clicked (None for other layers)."""
    if not tooltip_text:
        return None
    match = TOOLTIP_LICENCE.search(tooltip_text)
    return html.unescape(match.group(1)).strip() if match else None
