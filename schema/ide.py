"""GraphiQL served from our own files: the product runs air-gapped, so the IDE must not
load React and GraphiQL from a CDN (Strawberry's page points at unpkg.com)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from strawberry.http.ides import get_graphql_ide_html

__all__ = ["GRAPHIQL_ASSETS", "GRAPHIQL_PREFIX", "offline_graphiql_html"]

GRAPHIQL_ASSETS = Path(__file__).parent / "graphiql"
GRAPHIQL_PREFIX = "/graphiql"
# The exact files Strawberry's page names (same bytes as the npm packages, so the page's
# integrity hashes still hold); see graphiql/LICENSES.txt.
_VENDORED = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": (
        "react-dom.production.min.js"
    ),
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": (
        "plugin-explorer.umd.js"
    ),
}


@cache
def offline_graphiql_html() -> str:
    html = get_graphql_ide_html(graphql_ide="graphiql")
    for url, name in _VENDORED.items():
        html = html.replace(url, f"{GRAPHIQL_PREFIX}/{name}")
    if "https://unpkg.com" in html:
        raise RuntimeError(
            "Strawberry's GraphiQL page names assets that are not vendored in "
            "schema/graphiql/: download the new versions from npm and update _VENDORED."
        )
    return html
