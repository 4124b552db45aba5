"""The overview's map as a Streamlit components-v2 element: a prototype for the bench only (issue 13).

No iframe: the element's HTML sits in the page, Leaflet is loaded once from the app's own
/app/static (as geo/render/leaflet/assets.py vendors it). The county rings go out once per
session as the compact topology (geo/render/leaflet/compact.py, shared borders once); every
later run sends only adcode -> fill, which the browser applies in place with setStyle. A
click comes back as a trigger value (the adcode). What it leaves out of the real map: legend,
labels, hatching, sites, outlines, the grey surroundings, the rich tooltips.

bench/cv2_compare.py copies this file into a folder beside a link to static/, as run.py does
for map_only_app.py, and serves it like the app. bench/cv2_full_app.py imports the element and
``geometry`` from here to put the same map into the app's whole overview; the light page below
runs only when this file is the served script.
"""

import os
import sys

sys.path.insert(0, os.environ["BAODING_ROOT"])

import streamlit as st

from geo.model import indicators as ind
from geo.render.leaflet import compact
from geo.render.leaflet.assets import ensure_static_assets
from geo.views import overview as views
from geo.views.common import county_names
from geo.web import loaders

LEAFLET = "/app/static/vendor/leaflet-1.9.3"
NO_DATA = "#d9d9d9"  # the prototype draws no hatch: a plain grey stands for "no data"

JS = """
const LEAFLET = %LEAFLET%;

// Leaflet once per page, from the app's own static folder (a <script>, not import(): it is UMD).
function leaflet() {
  if (!window.__cv2Leaflet) window.__cv2Leaflet = new Promise((ok, fail) => {
    const css = document.createElement('link');
    css.rel = 'stylesheet'; css.href = LEAFLET + '/leaflet.css';
    document.head.appendChild(css);
    const s = document.createElement('script');
    s.src = LEAFLET + '/leaflet.js'; s.onload = () => ok(window.L); s.onerror = fail;
    document.head.appendChild(s);
  });
  return window.__cv2Leaflet;
}

function decodeRing(s, k) {
  const out = []; let i = 0, lat = 0, lng = 0;
  while (i < s.length) {
    const d = [];
    for (let n = 0; n < 2; n++) {
      let result = 0, shift = 0, b;
      do { b = s.charCodeAt(i++) - 63; result |= (b & 0x1f) << shift; shift += 5; } while (b >= 0x20);
      d.push(result & 1 ? ~(result >> 1) : result >> 1);
    }
    lat += d[0]; lng += d[1];
    out.push([lat / k, lng / k]);
  }
  return out;
}

// The topology payload -> adcode -> [polygon [ring [latlng]]] (Leaflet's order), kept for the
// page's life: a remounted element draws again without asking the server for the rings.
function rings(p) {
  const arcs = p.a.map(a => decodeRing(a, p.k));
  const ring = refs => { const r = [];
    for (const x of refs) { const arc = x >= 0 ? arcs[x] : arcs[~x].slice().reverse();
      r.push(...(r.length ? arc.slice(1) : arc)); } return r; };
  return p.f.map(f => ({adcode: f.p.adcode, name: f.p.tip, polys: f.r.map(poly => poly.map(ring))}));
}

function style(fill) {
  return {fillColor: fill, fill: true, fillOpacity: 0.85, color: '#555', weight: 1};
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (data.geometry) window.__cv2Rings = rings(data.geometry);
  const host = parentElement.querySelector('.cv2-map');
  leaflet().then(L => {
    let st = host.__cv2;
    if (!st) {
      const map = L.map(host, {zoomSnap: 0.25, preferCanvas: false});
      const layers = {};
      for (const u of window.__cv2Rings) {
        const layer = L.polygon(u.polys, style(data.fills[u.adcode]));
        layer.bindTooltip(u.name, {sticky: true});
        layer.on('click', () => setTriggerValue('clicked', u.adcode));
        layer.addTo(map);
        layers[u.adcode] = layer;
      }
      map.fitBounds(L.featureGroup(Object.values(layers)).getBounds());
      st = host.__cv2 = {map, layers};
    } else {
      for (const [a, layer] of Object.entries(st.layers)) layer.setStyle(style(data.fills[a]));
    }
    // Map first (geo/web/mapelement.py): say so once the counties are on screen, a frame later.
    if (data.report) requestAnimationFrame(() => setTriggerValue('painted', true));
  });
}
""".replace("%LEAFLET%", f'"{LEAFLET}"')

cv2_map = st.components.v2.component(
    "baoding_cv2_map",
    html='<div class="cv2-map" style="height:640px;width:100%"></div>',
    js=JS,
    isolate_styles=False,  # Leaflet's stylesheet is the page's: the map's DOM must be in the page too
)


def geometry(counties, names: dict[str, str]) -> dict:
    """The county rings as the compact topology, with adcode and name: sent once per session."""
    return compact.topo_payload(
        (geom, {"adcode": a, "name": names[a]}, {}) for a, geom in zip(counties["adcode"], counties.geometry)
    )


def light_page() -> None:
    """A title, one selectbox and the map: the element at its lightest."""
    ensure_static_assets()
    ds, counties = loaders.load_dataset(), loaders.load_counties()
    names = county_names(counties, "zh")
    ids = ind.indicator_ids(ds)
    if "indicator" not in st.session_state:
        wanted = st.query_params.get("indicator", views.DEFAULT_INDICATOR)
        st.session_state.indicator = wanted if wanted in ids else views.DEFAULT_INDICATOR
    with st.sidebar:
        st.selectbox("指标", ids, format_func=lambda i: ind.get_indicator(ds, i).name("zh"), key="indicator")

    ctx = loaders.load_context()
    view = views.overview(ds, counties, st.session_state.indicator, None, "quantiles", "zh", context=ctx)
    data: dict = {"fills": {a: (view.map.fills.get(a) or NO_DATA) for a in counties["adcode"]}}
    if not st.session_state.get("cv2_rings_sent"):
        data["geometry"] = geometry(counties, names)
        st.session_state.cv2_rings_sent = True

    st.title(view.map.title)
    result = cv2_map(data=data, key="overview_map", on_clicked_change=lambda: None)
    if result.clicked:
        st.session_state.selected = result.clicked
    if st.session_state.get("selected"):
        st.markdown(f"#### 已选县（市、区）：{names[st.session_state.selected]}")


if __name__ == "__main__":
    light_page()
