/* semdigest's map: a scatter of papers over the vendored regl-scatterplot (WebGL).
 *
 * A classic script, not an ES module, so that pages opened from file:// (the static site)
 * can load it; it defines window.SemdigestMap. Load vendor/regl-scatterplot.min.js first.
 *
 *   const map = SemdigestMap.create(element, {
 *     x: [...], y: [...],                       // layout coordinates, any range
 *     fields: { topic: [...], category: [...] }, // one value per point, shown in the legend
 *     colorBy: 'topic',
 *     onSelect: (indices) => ...,               // box / lasso (shift + drag), a click, or none
 *     onClick: (index) => ...,                  // a click on a point
 *     onHover: (index | null) => ...,
 *     legendParent: element,                    // optional: the legend there, not over the map
 *   });
 *   map.colorBy('category'); map.highlight([3, 5, 8]); map.highlight(null);
 *   map.setSelectShape('lasso' | 'box'); map.setDragMode('pan' | 'select');
 *   map.select([1, 2]); map.zoomTo([1, 2]); map.resetView(); map.destroy();
 *
 * Zoom is the wheel, pan is a drag; holding shift while dragging selects (box by default).
 * Every label reaches the page as text (textContent), never as markup.
 */
(function () {
  'use strict';

  // Tableau 20, reordered so that the first ten are the most distinct; then "other".
  const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948',
    '#b07aa1', '#ff9da7', '#9c755f', '#79706e', '#a0cbe8', '#ffbe7d', '#ff9d9a', '#86bcb6',
    '#8cd17d', '#f1ce63', '#d4a6c8', '#fabfd2', '#d7b5a6', '#bab0ac'];
  const OTHER_COLOR = '#cccccc';
  const OTHER_LABEL = 'other';
  const DIMMED_OPACITY = 0.15;

  function asFloat32(values, name) {
    const out = Float32Array.from(values, Number);
    for (let i = 0; i < out.length; i++) {
      if (!Number.isFinite(out[i])) throw new Error(`SemdigestMap: ${name}[${i}] is not a number`);
    }
    return out;
  }

  // Coordinates scaled into [-1, 1] (what regl-scatterplot draws), keeping the aspect ratio.
  function normalise(x, y) {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (let i = 0; i < x.length; i++) {
      if (x[i] < x0) x0 = x[i]; if (x[i] > x1) x1 = x[i];
      if (y[i] < y0) y0 = y[i]; if (y[i] > y1) y1 = y[i];
    }
    const span = Math.max(x1 - x0, y1 - y0) || 1;
    const scale = 1.9 / span, cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
    const nx = new Float32Array(x.length), ny = new Float32Array(y.length);
    for (let i = 0; i < x.length; i++) { nx[i] = (x[i] - cx) * scale; ny[i] = (y[i] - cy) * scale; }
    return { x: nx, y: ny };
  }

  // A field's values as category codes: the most frequent first, beyond the palette "other".
  function encode(values, n) {
    if (values.length !== n) throw new Error(`SemdigestMap: a field has ${values.length} values for ${n} points`);
    const counts = new Map();
    for (const v of values) {
      const key = v === null || v === undefined ? '' : String(v);
      counts.set(key, (counts.get(key) || 0) + 1);
    }
    const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const shown = ranked.length > PALETTE.length ? ranked.slice(0, PALETTE.length - 1) : ranked;
    const code = new Map(shown.map(([label], i) => [label, i]));
    const other = shown.length;
    const codes = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const key = values[i] === null || values[i] === undefined ? '' : String(values[i]);
      codes[i] = code.has(key) ? code.get(key) : other;
    }
    const legend = shown.map(([label, count], i) => ({ label, count, color: PALETTE[i] }));
    if (shown.length < ranked.length) {
      const count = ranked.slice(shown.length).reduce((sum, [, c]) => sum + c, 0);
      legend.push({ label: `${OTHER_LABEL} (${ranked.length - shown.length})`, count, color: OTHER_COLOR });
    }
    return { codes, legend, colors: legend.map((entry) => entry.color) };
  }

  // Over the map's top-right corner, or inside an element of the page's own (legendParent).
  function buildLegend(parent, overlay) {
    const box = document.createElement('div');
    box.className = 'semdigest-map-legend';
    Object.assign(box.style, { font: '12px/1.4 system-ui, sans-serif', color: '#222' });
    if (overlay) {
      Object.assign(box.style, {
        position: 'absolute', top: '8px', right: '8px', maxHeight: 'calc(100% - 16px)',
        maxWidth: '40%', overflow: 'auto', background: 'rgba(255,255,255,0.9)',
        border: '1px solid #ddd', borderRadius: '4px', padding: '6px 8px',
      });
    }
    parent.appendChild(box);
    return box;
  }

  function fillLegend(box, title, entries) {
    box.replaceChildren();
    const heading = document.createElement('div');
    heading.className = 'semdigest-map-legend-title';
    heading.style.fontWeight = '600';
    heading.textContent = title;
    const list = document.createElement('ul');
    Object.assign(list.style, { listStyle: 'none', margin: '4px 0 0', padding: '0' });
    for (const entry of entries) {
      const item = document.createElement('li');
      item.className = 'semdigest-map-legend-entry';
      Object.assign(item.style, { whiteSpace: 'nowrap', overflow: 'hidden', textOverflow: 'ellipsis' });
      const swatch = document.createElement('span');
      Object.assign(swatch.style, { display: 'inline-block', width: '10px', height: '10px',
        borderRadius: '50%', marginRight: '6px', background: entry.color });
      const label = document.createElement('span');
      label.className = 'semdigest-map-legend-label';
      label.textContent = entry.label === '' ? '(none)' : entry.label;
      const count = document.createElement('span');
      count.style.color = '#777';
      count.textContent = ` ${entry.count}`;
      item.append(swatch, label, count);
      list.appendChild(item);
    }
    box.append(heading, list);
  }

  function create(container, options) {
    if (!window.ReglScatterplot) {
      throw new Error('SemdigestMap: load vendor/regl-scatterplot.min.js before map.js');
    }
    const opts = options || {};
    const x = asFloat32(opts.x || [], 'x'), y = asFloat32(opts.y || [], 'y');
    if (x.length !== y.length) throw new Error('SemdigestMap: x and y differ in length');
    const n = x.length;
    const fields = opts.fields || {};
    const encoded = {};
    const encodedField = (name) => {
      if (!(name in fields)) throw new Error(`SemdigestMap: no field "${name}"`);
      if (!encoded[name]) encoded[name] = encode(fields[name], n);
      return encoded[name];
    };
    const pos = normalise(x, y);
    const callbacks = { onSelect: opts.onSelect, onClick: opts.onClick, onHover: opts.onHover };

    if (getComputedStyle(container).position === 'static') container.style.position = 'relative';
    const canvas = document.createElement('canvas');
    canvas.className = 'semdigest-map-canvas';
    Object.assign(canvas.style, { display: 'block', width: '100%', height: '100%' });
    container.appendChild(canvas);
    const legendBox = buildLegend(opts.legendParent || container, !opts.legendParent);

    const pointSize = opts.pointSize || 4;
    const rect = canvas.getBoundingClientRect();  // the container's content box, border excluded
    const plot = window.ReglScatterplot.createScatterplot({
      canvas, width: rect.width, height: rect.height, pointSize,
      backgroundColor: opts.background || '#ffffff',
      pointColorActive: '#000000', pointColorHover: '#000000', pointOutlineWidth: 1,
      lassoType: opts.selectShape === 'lasso' ? 'freeform' : 'rectangle',
      lassoColor: '#1f6feb', deselectOnDblClick: true, deselectOnEscape: true,
    });

    const state = { field: null, codes: new Float32Array(n), highlight: new Float32Array(n),
      highlighted: false, selected: [], fromLasso: false, drawing: Promise.resolve() };

    // Colour and highlight live in the points' two value channels, so a change redraws the
    // points with the spatial index kept and the selection restored.
    function redraw() {
      const again = () => plot.draw({ x: pos.x, y: pos.y, valueA: state.codes, valueB: state.highlight },
        { zDataType: 'categorical', wDataType: 'categorical', preventFilterReset: true,
          select: state.selected.length ? state.selected : undefined,
          spatialIndex: plot.get('isPointsDrawn') ? plot.get('spatialIndex') : undefined });
      state.drawing = state.drawing.then(again, again);
      return state.drawing;
    }

    function colorBy(name) {
      const enc = encodedField(name);
      state.field = name;
      state.codes = enc.codes;
      plot.set({ colorBy: 'valueA', pointColor: enc.colors });
      fillLegend(legendBox, name, enc.legend);
      return redraw();
    }

    function highlight(indices) {
      state.highlight = new Float32Array(n);
      state.highlighted = Boolean(indices && indices.length);
      if (state.highlighted) for (const i of indices) if (i >= 0 && i < n) state.highlight[i] = 1;
      plot.set(state.highlighted
        ? { opacityBy: 'valueB', opacity: [DIMMED_OPACITY, 1], sizeBy: 'valueB', pointSize: [pointSize, pointSize * 2] }
        : { opacityBy: null, opacity: 1, sizeBy: null, pointSize });
      return redraw();
    }

    plot.subscribe('lassoStart', () => { state.fromLasso = true; });
    plot.subscribe('select', ({ points }) => {
      state.selected = Array.from(points);
      const fromLasso = state.fromLasso;
      state.fromLasso = false;
      if (callbacks.onSelect) callbacks.onSelect(state.selected.slice());
      if (!fromLasso && callbacks.onClick && state.selected.length) {
        callbacks.onClick(state.selected[state.selected.length - 1]);
      }
    });
    plot.subscribe('deselect', () => {
      state.selected = [];
      state.fromLasso = false;
      if (callbacks.onSelect) callbacks.onSelect([]);
    });
    plot.subscribe('pointOver', (i) => { if (callbacks.onHover) callbacks.onHover(i); });
    plot.subscribe('pointOut', () => { if (callbacks.onHover) callbacks.onHover(null); });

    const resize = new ResizeObserver(() => {
      const r = canvas.getBoundingClientRect();
      if (r.width > 0 && r.height > 0) plot.set({ width: r.width, height: r.height });
    });
    resize.observe(canvas);

    const firstField = opts.colorBy || Object.keys(fields)[0];
    const ready = firstField !== undefined ? colorBy(firstField) : redraw();

    return {
      ready,                                   // resolves once the points are drawn
      get size() { return n; },
      get field() { return state.field; },
      colorBy,
      highlight,
      select(indices) {
        state.selected = Array.from(indices || []);
        if (state.selected.length) plot.select(state.selected, { preventEvent: true });
        else plot.deselect({ preventEvent: true });
      },
      selected: () => state.selected.slice(),
      setSelectShape(shape) { plot.set({ lassoType: shape === 'lasso' ? 'freeform' : 'rectangle' }); },
      setDragMode(mode) { plot.set({ mouseMode: mode === 'select' ? 'lasso' : 'panZoom' }); },
      zoomTo(indices) { return plot.zoomToPoints(Array.from(indices), { padding: 0.2, transition: true }); },
      resetView() { return plot.zoomToOrigin({ transition: true }); },
      // The camera in the component's own units: the map zooms when distance changes.
      camera: () => ({ target: Array.from(plot.get('cameraTarget')), distance: plot.get('cameraDistance') }),
      screenPosition: (i) => plot.getScreenPosition(i),  // CSS px from the canvas's top-left
      legend: legendBox,
      destroy() { resize.disconnect(); plot.destroy(); canvas.remove(); legendBox.remove(); },
    };
  }

  window.SemdigestMap = { create, PALETTE: PALETTE.slice() };
})();
