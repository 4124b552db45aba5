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

``painted_report_group``: a second script, which geo/web/mapelement.py adds to the map of a page
drawn map first, tells the server once the counties have been painted (once per browser tab).
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
        {% endmacro %}
        """.replace("{UPDATE}", internals.UPDATE_COMPONENT_VALUE)
    )

    def __init__(self):
        super().__init__()
        self._name = "InstantClick"


def instant_click_group() -> folium.FeatureGroup:
    """An empty feature group whose script sends map clicks without st_folium's 250 ms wait."""
    fg = folium.FeatureGroup(name="instant click", control=False)
    InstantClick().add_to(fg)
    return fg


# The key the frame's report adds to the map's returned value (geo/web/mapelement.py looks for it).
PAINTED_FLAG = "bd_painted"


class PaintedReport(MacroElement):
    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          // Evaluated after the map's other layers: once the counties are painted, tell the server,
          // which then draws the rest of the page. Once per browser tab (the app's top window lives as
          // long as its Streamlit session): a map drawn again later, on a return to the page, or the
          // layers evaluated again after a change, have nothing to report.
          var top = window.parent || window;
          if (top.bdPaintedReported) { return; }
          var S = window.Streamlit, data = window.{GLOBAL};
          if (!S || !data) { return; }
          top.bdPaintedReported = true;
          requestAnimationFrame(function () {
            setTimeout(function () {
              S.setComponentValue(Object.assign({}, data.{PREVIOUS} || {}, {{FLAG}: true}));
            }, 0);
          });
        })();
        {% endmacro %}
        """.replace("{GLOBAL}", internals.GLOBAL_DATA)
        .replace("{PREVIOUS}", internals.PREVIOUS_DATA)
        .replace("{FLAG}", PAINTED_FLAG)
    )

    def __init__(self):
        super().__init__()
        self._name = "PaintedReport"


def painted_report_group() -> folium.FeatureGroup:
    """An empty feature group whose script reports the map painted (the last of a map's layers)."""
    fg = folium.FeatureGroup(name="painted report", control=False)
    PaintedReport().add_to(fg)
    return fg
