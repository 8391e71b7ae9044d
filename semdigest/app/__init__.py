"""The reader's app: `semdigest serve` (server.py, a Starlette app over reader.py) and
`semdigest site` (site.py), both rendering templates/ through pages.py, with the vendored
front-end in static/ (nothing fetched at run time)."""
