"""A click on the map reaches the server at once instead of 250 ms later (st_folium 0.27).

st_folium's frame sends what the map returns through ``debouncedUpdateComponentValue``
(underscore's ``debounce`` with 250 ms): a county click waits a quarter of a second before
the rerun even starts, more than a whole round trip to the server. The layers passed as
``feature_group_to_add`` are run by a direct ``eval`` inside st_folium's own module, so
their script can call the undebounced ``updateComponentValue`` after st_folium's own
click handlers have recorded the click (map listeners run after the layer's). That
function sends only when the value changed, so the debounced call that follows sends
nothing and the click causes one rerun, as before. If a later st_folium renames it, the
``typeof`` guard leaves the debounced path alone: clicks still work, 250 ms later
(tests/test_browser.py clicks a county either way; bench/run.py times it).

The same script reports, once per frame and only when the page asked for it (a meta tag
in the frame's head), that the counties have been painted: see geo/web/mapelement.py.
"""

from __future__ import annotations

import folium
from branca.element import MacroElement
from jinja2 import Template

from geo import internals


class InstantClick(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function (map) {
          if (!map || map.bdInstantClick || typeof {UPDATE} !== "function") { return; }
          map.bdInstantClick = true;  // the layers are evaluated again on every change: listen once
          map.on("click", function () { {UPDATE}(map); });
        })(window.map);
        (function () {
          // Asked for by the page (a meta tag in the frame's head, geo/web/mapelement.py): once the
          // counties are painted, tell the server, which then draws the rest of the page.
          // Once per browser tab (the app's top window lives as long as its Streamlit session): a map drawn
          // again later, on a return to the page, has nothing to report.
          var top = window.parent || window;
          if (top.bdPaintedReported || !document.querySelector('meta[name="bd-report-painted"]')) { return; }
          var S = window.Streamlit, data = window.{GLOBAL};
          if (!S || !data) { return; }
          top.bdPaintedReported = true;
          requestAnimationFrame(function () {
            setTimeout(function () {
              S.setComponentValue(Object.assign({}, data.{PREVIOUS} || {}, {bd_painted: true}));
            }, 0);
          });
        })();
        {% endmacro %}
        """.replace("{UPDATE}", internals.UPDATE_COMPONENT_VALUE)
        .replace("{GLOBAL}", internals.GLOBAL_DATA)
        .replace("{PREVIOUS}", internals.PREVIOUS_DATA)
    )

    def __init__(self):
        super().__init__()
        self._name = "InstantClick"


def instant_click_group() -> folium.FeatureGroup:
    """An empty feature group whose script sends map clicks without st_folium's 250 ms wait."""
    fg = folium.FeatureGroup(name="instant click", control=False)
    InstantClick().add_to(fg)
    return fg
