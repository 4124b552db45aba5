"""The light view's renderer: a view result as one plain HTML page with the map as inline SVG.

No script, no external file, nothing fetched: the page works with JavaScript off and in any browser
a phone's chat app opens links in. ``mapsvg`` draws a MapView; ``page`` lays out a whole view.
"""
