"""The map component for `semdigest serve`, chosen by measurement: WebGL/WebGPU scatter
components from npm, each drawing the same clustered layout in a real headless Chromium.

    python benchmarks/scatter_bench.py [--bundle-dir DIR] [--sizes 10000 100000] [--repeat 3]

For each candidate and size it reports the bundle size (raw and gzip -9), the time from
handing the component typed arrays to its first frame holding every point, the same from
navigation start (script download, parse and compile included), the latency from a wheel
(zoom) or drag (pan) event to the end of the frame it redraws, and memory: the page's JS
heap and the proportional set size (PSS) of all the browser's processes, beside a blank
page's. Every request the page makes is recorded; one that leaves 127.0.0.1 is an error.

Candidates: regl-scatterplot (DIR/regl-scatterplot.min.js, or the bundle vendored in
semdigest/app/static/vendor/); the same under semdigest's map.js, which is what the app
ships; deck.gl's ScatterplotLayer in an OrthographicView (DIR/deck.min.js); Embedding
Atlas's EmbeddingView (DIR/embedding-atlas/, an ES module with its clustering worker).
benchmarks/scatter_candidates.sh builds the three bundles into DIR with npm and esbuild; a
candidate whose files are missing is skipped with a note.

"First frame": the page wraps the WebGL / WebGPU draw calls; the first draw call that
covers every point (count or instance count >= N, or an indirect draw for WebGPU) is the
frame's draw, and the next requestAnimationFrame callback is taken as the frame's end. The
layout: 40 Gaussian clusters of power-law sizes and random shape, 5 % uniform noise, 12
categories that follow the clusters with some mixing; seed 0. The 10k layout is a fixed
random subset of the 100k one. The chosen page size is 1200 x 800 CSS px, device scale 1.

Chromium is Debian's (`shutil.which("chromium")`), driven by Playwright for Python; without
a GPU it draws WebGL through SwiftShader (software Vulkan under ANGLE), and WebGPU needs
--enable-unsafe-webgpu (passed to every candidate). Figures on such a machine measure the
CPU, not a GPU; ratios between candidates are what carries over. Linux only (PSS is read
from /proc).
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "semdigest" / "app" / "static" / "vendor"
WIDTH, HEIGHT = 1200, 800
N_CATEGORIES = 12
PALETTE = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948",
           "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#1f77b4", "#d62728"]
CHROMIUM_ARGS = ["--enable-unsafe-webgpu"]
PlaywrightTimeout = TimeoutError  # playwright's, once imported in main()

# Installed before any component script: wraps the draw calls and notes input events.
HARNESS = r"""
window.__bench = { n: 0, t0: null, mounted: null, firstDraw: null, firstFrame: null,
  fullDraws: [], maxCount: 0, calls: {}, armed: false, inputT: null, latencies: [],
  error: null };
(function () {
  const B = window.__bench;
  function note(kind, count) {
    B.calls[kind] = (B.calls[kind] || 0) + 1;
    if (count > B.maxCount) B.maxCount = count;
    if (count < B.n || B.t0 === null) return;
    const t = performance.now();
    B.fullDraws.push(t);
    if (B.inputT !== null) {  // the redraw an input caused: time to the end of its frame
      const since = B.inputT;
      B.inputT = null;
      requestAnimationFrame(() => B.latencies.push(performance.now() - since));
    }
    if (B.firstDraw === null) {
      B.firstDraw = t;
      requestAnimationFrame(() => { B.firstFrame = performance.now(); });
    }
  }
  function wrap(proto, name, countOf) {
    if (!proto || !proto[name]) return;
    const orig = proto[name];
    proto[name] = function (...args) { note(name, countOf(args)); return orig.apply(this, args); };
  }
  for (const P of [window.WebGLRenderingContext, window.WebGL2RenderingContext]) {
    if (!P) continue;
    wrap(P.prototype, 'drawArrays', (a) => a[2]);
    wrap(P.prototype, 'drawElements', (a) => a[1]);
    wrap(P.prototype, 'drawArraysInstanced', (a) => Math.max(a[2], a[3]));
    wrap(P.prototype, 'drawElementsInstanced', (a) => Math.max(a[1], a[4]));
  }
  if (window.ANGLEInstancedArrays) {
    wrap(ANGLEInstancedArrays.prototype, 'drawArraysInstancedANGLE', (a) => Math.max(a[2], a[3]));
    wrap(ANGLEInstancedArrays.prototype, 'drawElementsInstancedANGLE', (a) => Math.max(a[1], a[4]));
  }
  if (window.GPURenderPassEncoder) {
    const P = GPURenderPassEncoder.prototype;
    wrap(P, 'draw', (a) => Math.max(a[0], a[1] === undefined ? 1 : a[1]));
    wrap(P, 'drawIndexed', (a) => Math.max(a[0], a[1] === undefined ? 1 : a[1]));
    wrap(P, 'drawIndirect', () => Infinity);
    wrap(P, 'drawIndexedIndirect', () => Infinity);
  }
  const arm = (e) => { if (B.armed) { B.inputT = performance.now(); B.armed = false; } };
  for (const type of ['wheel', 'pointermove', 'mousemove'])
    window.addEventListener(type, arm, { capture: true, passive: true });
  const consoleError = console.error;  // a component that gives up says so here, not by throwing
  console.error = function (...args) {
    if (B.consoleError === undefined) { B.consoleError = args.join(' '); B.consoleErrorT = performance.now(); }
    return consoleError.apply(this, args);
  };
  window.addEventListener('error', (e) => { B.error = String(e.message || e); });
  window.addEventListener('unhandledrejection', (e) => { B.error = String(e.reason); });
  window.__benchRun = async function (mount) {
    try {
      const params = new URLSearchParams(location.search);
      const n = Number(params.get('n'));
      const buf = await (await fetch('points-' + n + '.bin')).arrayBuffer();
      const data = { x: new Float32Array(buf, 0, n), y: new Float32Array(buf, 4 * n, n),
                     category: new Uint8Array(buf, 8 * n, n), palette: PALETTE };
      B.n = n;
      B.t0 = performance.now();
      B.handle = await mount(document.getElementById('map'), data);
      B.mounted = performance.now();
    } catch (e) { B.error = String(e && e.stack || e); }
  };
})();
"""

# Each candidate: the scripts it loads and a mount(el, data) that draws data.x/y coloured by
# data.category; the work a wrapper must do to hand the component its input is timed too.
REGL_MOUNT = r"""
async function mount(el, d) {
  const n = d.x.length, rect = el.getBoundingClientRect();
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = d.x[i], y = d.y[i];
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
  }
  const s = 2 / Math.max(x1 - x0, y1 - y0), cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  const x = new Float32Array(n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) { x[i] = (d.x[i] - cx) * s; y[i] = (d.y[i] - cy) * s; }
  const canvas = document.createElement('canvas');
  el.appendChild(canvas);
  const plot = ReglScatterplot.createScatterplot({ canvas, width: rect.width,
    height: rect.height, pointSize: 3, backgroundColor: '#ffffff', colorBy: 'valueA',
    pointColor: d.palette });
  await plot.draw({ x, y, valueA: d.category }, { zDataType: 'categorical' });
  return plot;
}
"""

DECK_MOUNT = r"""
async function mount(el, d) {
  const n = d.x.length, rect = el.getBoundingClientRect();
  let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
  const pos = new Float32Array(2 * n), col = new Uint8Array(3 * n);
  const rgb = d.palette.map((h) => [1, 3, 5].map((k) => parseInt(h.slice(k, k + 2), 16)));
  for (let i = 0; i < n; i++) {
    const x = d.x[i], y = d.y[i], c = rgb[d.category[i] % rgb.length];
    if (x < x0) x0 = x; if (x > x1) x1 = x; if (y < y0) y0 = y; if (y > y1) y1 = y;
    pos[2 * i] = x; pos[2 * i + 1] = y;
    col[3 * i] = c[0]; col[3 * i + 1] = c[1]; col[3 * i + 2] = c[2];
  }
  const zoom = Math.log2(Math.min(rect.width / (x1 - x0), rect.height / (y1 - y0)));
  const { Deck, OrthographicView, ScatterplotLayer } = DeckGL;
  const layer = new ScatterplotLayer({ id: 'points', stroked: false, radiusUnits: 'pixels',
    getRadius: 1.5, data: { length: n, attributes: {
      getPosition: { value: pos, size: 2 }, getFillColor: { value: col, size: 3 } } } });
  return new Deck({ parent: el, width: rect.width, height: rect.height,
    views: new OrthographicView({ id: 'map' }), controller: true, layers: [layer],
    initialViewState: { target: [(x0 + x1) / 2, (y0 + y1) / 2, 0], zoom } });
}
"""

EA_MOUNT = r"""
async function mount(el, d) {
  const rect = el.getBoundingClientRect();
  return new EmbeddingView(el, { data: { x: d.x, y: d.y, category: d.category },
    width: rect.width, height: rect.height, pixelRatio: 1, categoryColors: d.palette,
    config: { autoLabelEnabled: false, mode: 'points', pointSize: 3 } });
}
"""

# What semdigest ships: the vendored bundle under map.js, which builds the legend and the
# category codes from a field's values (strings in the app; the codes as values here).
SEMDIGEST_MOUNT = r"""
async function mount(el, d) {
  const map = SemdigestMap.create(el, { x: d.x, y: d.y, fields: { category: d.category },
    pointSize: 3 });
  await map.ready;
  return map;
}
"""

CANDIDATES = {
    "regl-scatterplot": {
        "files": ["regl-scatterplot.min.js"],
        "scripts": '<script src="regl-scatterplot.min.js"></script>\n'
                   f"<script>{REGL_MOUNT}\n__benchRun(mount);</script>",
    },
    "semdigest map.js": {
        "files": ["regl-scatterplot.min.js", "map.js"],
        "scripts": '<script src="regl-scatterplot.min.js"></script>\n<script src="map.js"></script>\n'
                   f"<script>{SEMDIGEST_MOUNT}\n__benchRun(mount);</script>",
    },
    "deck.gl": {
        "files": ["deck.min.js"],
        "scripts": '<script src="deck.min.js"></script>\n'
                   f"<script>{DECK_MOUNT}\n__benchRun(mount);</script>",
    },
    "embedding-atlas": {
        "files": ["embedding-atlas/embedding-atlas.esm.js",
                  "embedding-atlas/clustering.worker.js"],
        "scripts": '<script type="module">\nimport { EmbeddingView } from '
                   "'./embedding-atlas/embedding-atlas.esm.js';\n"
                   f"{EA_MOUNT}\n__benchRun(mount);</script>",
    },
}

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>scatter bench</title><link rel="icon" href="data:,">
<style>html,body{{margin:0;background:#fff}}#map{{position:relative;width:{w}px;height:{h}px}}</style>
<script>const PALETTE = {palette};{harness}</script>
</head><body><div id="map"></div>
{scripts}
</body></html>
"""


def layout(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A map-like layout: power-law cluster sizes, anisotropic clusters, some noise."""
    rng = np.random.default_rng(seed)
    k = 40
    sizes = rng.pareto(1.2, k) + 1
    sizes = np.maximum(1, (sizes / sizes.sum() * n * 0.95).astype(int))
    centres = rng.uniform(-10, 10, (k, 2))
    parts, labels = [], []
    cluster_category = rng.integers(0, N_CATEGORIES, k)
    for c, m in enumerate(sizes):
        a = rng.normal(size=(2, 2)) * rng.uniform(0.2, 1.2)
        parts.append(centres[c] + rng.normal(size=(m, 2)) @ a)
        mixed = rng.random(m) < 0.15   # a topic's papers are mostly, not all, one category
        labels.append(np.where(mixed, rng.integers(0, N_CATEGORIES, m), cluster_category[c]))
    rest = n - int(sizes.sum())
    parts.append(rng.uniform(-14, 14, (rest, 2)))
    labels.append(rng.integers(0, N_CATEGORIES, rest))
    xy = np.concatenate(parts)[:n].astype(np.float32)
    cat = np.concatenate(labels)[:n].astype(np.uint8)
    order = rng.permutation(n)
    return xy[order, 0], xy[order, 1], cat[order]


def write_points(folder: Path, sizes: list[int]) -> None:
    x, y, cat = layout(max(sizes))
    subset_rng = np.random.default_rng(1)
    for n in sizes:
        pick = np.sort(subset_rng.choice(len(x), n, replace=False)) if n < len(x) else slice(None)
        blob = (np.ascontiguousarray(x[pick]).tobytes() + np.ascontiguousarray(y[pick]).tobytes()
                + np.ascontiguousarray(cat[pick]).tobytes())
        (folder / f"points-{n}.bin").write_bytes(blob)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".wasm": "application/wasm"}

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def browser_pss_kib() -> int:
    """PSS of every chromium process under this one (Playwright's driver starts them)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            if "chrom" not in Path(f"/proc/{pid}/comm").read_text():
                continue
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def non_background_fraction(png: bytes) -> float:
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    return float((np.abs(pixels - 255).sum(axis=2) > 30).mean())


def gesture_latencies(page, kind: str, steps: int = 8) -> list[float]:
    """Input event -> end of the frame it redraws, one event at a time (ms, the page's clock)."""
    cx, cy = WIDTH / 2, HEIGHT / 2
    page.mouse.move(cx, cy)
    page.wait_for_timeout(300)
    out = []
    if kind == "pan":
        page.mouse.down()
    for i in range(steps):
        before = page.evaluate("__bench.latencies.length")
        page.evaluate("__bench.armed = true; __bench.inputT = null")
        if kind == "zoom":
            page.mouse.wheel(0, -120 if i < steps // 2 else 120)
        else:
            page.mouse.move(cx + 12 * (i + 1), cy + 6 * (i + 1))
        try:
            page.wait_for_function(f"__bench.latencies.length > {before}", timeout=5000)
            out.append(page.evaluate("__bench.latencies[__bench.latencies.length - 1]"))
        except Exception:  # no redraw for this event (e.g. below a drag threshold)
            page.evaluate("__bench.armed = false; __bench.inputT = null")
        page.wait_for_timeout(250)
    if kind == "pan":
        page.mouse.up()
    return out


def run_once(pw, base: str, name: str, n: int) -> dict:
    browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
    try:
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1)
        foreign: list[str] = []
        page.on("request", lambda r: foreign.append(r.url)
                if not r.url.startswith((base, "data:", "blob:")) else None)
        console: list[str] = []
        page.on("response", lambda r: console.append(f"HTTP {r.status}: {r.url}")
                if r.status >= 400 else None)
        page.on("console", lambda m: console.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.goto(base + "/blank.html")
        page.wait_for_timeout(300)
        blank_pss = browser_pss_kib()
        page.goto(f"{base}/{name}.html?n={n}")
        try:
            page.wait_for_function(
                "__bench.firstFrame !== null || __bench.error !== null || (__bench.consoleError"
                " !== undefined && performance.now() - __bench.consoleErrorT > 10000)",
                timeout=120_000, polling=50)
        except PlaywrightTimeout:
            state = page.evaluate("JSON.stringify({mounted: __bench.mounted, "
                                  "maxCount: __bench.maxCount, calls: __bench.calls})")
            return {"error": f"no frame with all {n} points: {state}",
                    "console": console[-5:]}
        bench = page.evaluate("""() => { const B = __bench; return { error: B.error,
            t0: B.t0, firstFrame: B.firstFrame, mounted: B.mounted, maxCount: B.maxCount,
            calls: B.calls, renderer: (() => { const gl = document.createElement('canvas')
              .getContext('webgl'); const e = gl && gl.getExtension('WEBGL_debug_renderer_info');
              return e ? gl.getParameter(e.UNMASKED_RENDERER_WEBGL) : null; })() }; }""")
        if bench["error"] or bench["firstFrame"] is None:
            bench["error"] = bench["error"] or f"no frame with all {n} points: {bench['calls']}"
            return {"error": bench["error"], "console": console[-5:]}
        page.wait_for_timeout(500)
        drawn = non_background_fraction(page.locator("#map").screenshot())
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
        pss = browser_pss_kib()
        zoom = gesture_latencies(page, "zoom")
        pan = gesture_latencies(page, "pan")
        return {
            "mount_to_frame_ms": bench["firstFrame"] - bench["t0"],
            "nav_to_frame_ms": bench["firstFrame"],
            "drawn_fraction": drawn,
            "js_heap_mib": metrics["JSHeapUsedSize"] / 2**20,
            "pss_mib": pss / 1024,
            "pss_over_blank_mib": (pss - blank_pss) / 1024,
            "zoom_latency_ms": statistics.median(zoom) if zoom else None,
            "pan_latency_ms": statistics.median(pan) if pan else None,
            "zoom_redraws": f"{len(zoom)}/8", "pan_redraws": f"{len(pan)}/8",
            "max_draw_count": bench["maxCount"], "calls": bench["calls"],
            "renderer": bench["renderer"], "foreign_requests": foreign,
            "console": console[-5:],
        }
    finally:
        browser.close()


def bundle_sizes(paths: list[Path]) -> tuple[int, int]:
    raw = sum(p.stat().st_size for p in paths)
    gz = sum(len(gzip.compress(p.read_bytes(), 9)) for p in paths)
    return raw, gz


def cpu_line() -> str:
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        model = next((ln.split(":", 1)[1].strip() for ln in out.splitlines()
                      if ln.startswith("Model name")), "")
    except OSError:
        pass
    flags = set(Path("/proc/cpuinfo").read_text().split()) if Path("/proc/cpuinfo").exists() else set()
    isa = ("amx_tile" if "amx_tile" in flags else "avx512_vnni" if "avx512_vnni" in flags
           else "AVX2 only" if "avx2" in flags else "no AVX2")
    return f"{model or platform.processor()} ({isa}), {os.cpu_count()} logical CPUs"


def median_of(runs: list[dict], key: str):
    values = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(values) if values else None


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="example: python benchmarks/scatter_bench.py "
                                        "--bundle-dir /tmp/scatter-candidates --repeat 3")
    ap.add_argument("--bundle-dir", type=Path,
                    help="folder with the candidates' bundles (scatter_candidates.sh builds it)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--repeat", type=int, default=3, help="fresh browser per run; medians")
    ap.add_argument("--only", nargs="+", choices=list(CANDIDATES), metavar="NAME",
                    help=f"some of: {', '.join(CANDIDATES)}")
    ap.add_argument("--json", type=Path, help="also write every run's figures here")
    args = ap.parse_args(argv)

    if shutil.which("chromium") is None:
        print("error: no chromium on PATH; install Debian's package (apt-get install chromium)",
              file=sys.stderr)
        return 2
    global PlaywrightTimeout
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="scatter-bench-") as tmp:
        site = Path(tmp)
        write_points(site, args.sizes)
        (site / "blank.html").write_text('<!doctype html><title>blank</title><link rel="icon" href="data:,">')
        available = {}
        for name, cand in CANDIDATES.items():
            if args.only and name not in args.only:
                continue
            sources = [args.bundle_dir] if args.bundle_dir else []
            sources += [VENDOR, VENDOR.parent]  # the vendored bundle, and map.js beside it
            found = {f: next((s / f for s in sources if (s / f).exists()), None)
                     for f in cand["files"]}
            if None in found.values():
                missing = [f for f, path in found.items() if path is None]
                print(f"note: {name} skipped, no {missing[0]} (see --bundle-dir)")
                continue
            for f, path in found.items():
                (site / f).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(path, site / f)
            (site / f"{name}.html").write_text(PAGE.format(
                w=WIDTH, h=HEIGHT, palette=json.dumps(PALETTE), harness=HARNESS,
                scripts=cand["scripts"]))
            available[name] = bundle_sizes(list(found.values()))

        server, base = serve(site)
        results = {}
        try:
            with sync_playwright() as pw:
                probe = pw.chromium.launch(executable_path=shutil.which("chromium"))
                version = probe.version
                probe.close()
                for name in available:
                    for n in args.sizes:
                        runs = []
                        for _ in range(args.repeat):
                            runs.append(run_once(pw, base, name, n))
                            if "error" in runs[-1]:
                                break
                        results[(name, n)] = runs
        finally:
            server.shutdown()

    renderer = next((r["renderer"] for runs in results.values() for r in runs
                     if r.get("renderer")), "?")
    print(f"CPU: {cpu_line()}")
    print(f"Chromium {version} headless, WebGL renderer: {renderer}")
    print(f"page {WIDTH}x{HEIGHT}, {args.repeat} fresh browsers per cell, medians\n")
    head = (f"{'component':<18} {'points':>7} {'bundle KiB':>10} {'gzip KiB':>8} "
            f"{'mount->frame':>12} {'nav->frame':>10} {'zoom ms':>7} {'pan ms':>6} "
            f"{'heap MiB':>8} {'PSS MiB':>7} {'+blank':>6} {'drawn':>6}")
    print(head)
    print("-" * len(head))

    def fmt(v, spec):
        return format(v, spec) if v is not None else "-"

    for (name, n), runs in results.items():
        raw, gz = available[name]
        bad = [r for r in runs if "error" in r]
        if bad:
            print(f"{name:<18} {n:>7} {raw / 1024:>10.0f} {gz / 1024:>8.0f}  error: "
                  f"{bad[0]['error'][:200]} {bad[0]['console']}")
            continue
        print(f"{name:<18} {n:>7} {raw / 1024:>10.0f} {gz / 1024:>8.0f} "
              f"{fmt(median_of(runs, 'mount_to_frame_ms'), '>10.0f')} ms "
              f"{fmt(median_of(runs, 'nav_to_frame_ms'), '>7.0f')} ms "
              f"{fmt(median_of(runs, 'zoom_latency_ms'), '>7.0f')} "
              f"{fmt(median_of(runs, 'pan_latency_ms'), '>6.0f')} "
              f"{fmt(median_of(runs, 'js_heap_mib'), '>8.1f')} "
              f"{fmt(median_of(runs, 'pss_mib'), '>7.0f')} "
              f"{fmt(median_of(runs, 'pss_over_blank_mib'), '>6.0f')} "
              f"{fmt(median_of(runs, 'drawn_fraction'), '>6.1%')}")
        foreign = sorted({u for r in runs for u in r["foreign_requests"]})
        if foreign:
            print(f"  error: requests that left 127.0.0.1: {foreign}")
        redraws = ", ".join(f"zoom {r['zoom_redraws']} pan {r['pan_redraws']}" for r in runs)
        print(f"  redraws per 8 events: {redraws}; widest draw call {runs[0]['max_draw_count']}, "
              f"calls {runs[0]['calls']}")
    if args.json:
        args.json.write_text(json.dumps(
            {"cpu": cpu_line(), "chromium": version, "renderer": renderer,
             "results": [{"component": name, "points": n, "bundle_bytes": available[name][0],
                          "bundle_gzip_bytes": available[name][1], "runs": runs}
                         for (name, n), runs in results.items()]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
