#!/bin/sh
# Builds the map-component candidates that benchmarks/scatter_bench.py compares, each one
# self-contained file (Embedding Atlas: an ES module and its clustering worker), into OUT.
#
#   sh benchmarks/scatter_candidates.sh /tmp/scatter-candidates
#   python benchmarks/scatter_bench.py --bundle-dir /tmp/scatter-candidates
#
# Needs node/npm and the npm registry; works in a scratch folder under /tmp (or $WORK) and
# leaves the repository alone. OUT/regl-scatterplot.min.js is byte for byte the file vendored
# in semdigest/app/static/vendor/ (its README gives the same command).
set -eu
OUT=$(mkdir -p "${1:?usage: scatter_candidates.sh OUT}" && cd "$1" && pwd)
WORK=${WORK:-$(mktemp -d /tmp/scatter-candidates-build.XXXXXX)}
ESBUILD_VERSION=0.28.2

cd "$WORK"
mkdir -p regl deck atlas
(cd regl && npm init -y >/dev/null && npm install --no-audit --no-fund --save-exact \
  regl-scatterplot@1.16.0 esbuild@$ESBUILD_VERSION >/dev/null)
(cd deck && npm init -y >/dev/null && npm install --no-audit --no-fund --save-exact \
  @deck.gl/core@9.4.0 @deck.gl/layers@9.4.0 esbuild@$ESBUILD_VERSION >/dev/null)
# Embedding Atlas's peers: only Mosaic's core and SQL are used by EmbeddingView; flechette 2.7
# wants a package the registry does not have, so 2.6.0 is pinned.
(cd atlas && npm init -y >/dev/null \
  && node -e 'const f="package.json",p=require("./"+f);p.overrides={"@uwdata/flechette":"2.6.0"};require("fs").writeFileSync(f,JSON.stringify(p,null,1))' \
  && npm install --no-audit --no-fund --save-exact --legacy-peer-deps embedding-atlas@0.26.0 \
     @uwdata/mosaic-core@0.32.1 @uwdata/mosaic-sql@0.32.1 esbuild@$ESBUILD_VERSION >/dev/null)

printf "export { default as createScatterplot, createRenderer } from 'regl-scatterplot';\n" > regl/entry.js
(cd regl && ./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife \
  --global-name=ReglScatterplot --target=es2020 --legal-comments=eof \
  --outfile="$OUT/regl-scatterplot.min.js")

printf "export { Deck, OrthographicView } from '@deck.gl/core';\nexport { ScatterplotLayer } from '@deck.gl/layers';\n" > deck/entry.js
(cd deck && ./node_modules/.bin/esbuild entry.js --bundle --minify --format=iife \
  --global-name=DeckGL --target=es2020 --legal-comments=eof --outfile="$OUT/deck.min.js")

# An ES module (it starts its worker from import.meta.url), so it needs http://, not file://.
printf "export { EmbeddingView } from 'embedding-atlas';\n" > atlas/entry.js
mkdir -p "$OUT/embedding-atlas"
(cd atlas && ./node_modules/.bin/esbuild entry.js --bundle --minify --format=esm \
  --target=es2022 --legal-comments=eof --outfile="$OUT/embedding-atlas/embedding-atlas.esm.js" \
  && cp node_modules/embedding-atlas/dist/clustering.worker.js "$OUT/embedding-atlas/")

ls -l "$OUT" "$OUT/embedding-atlas"
