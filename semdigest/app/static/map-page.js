/* The Map page: the day's papers on the vendored map component, a table linked to the
 * selection, colour by topic or category, highlight by words, and a click that opens a card. */
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('page-data').textContent);
  const p = data.points;
  const n = p.x.length;
  const state = { rows: [] };
  window.mapPage = state;

  function cell(text) { const td = document.createElement('td'); td.textContent = text; return td; }

  function fillTable(indices) {
    const rows = indices === null ? [...Array(n).keys()] : indices;
    state.rows = rows.map((i) => p.arxiv_id[i]);
    document.getElementById('selected-count').textContent = String(indices === null ? 0 : indices.length);
    document.getElementById('linked-rows').replaceChildren(...rows.map((i) => {
      const tr = document.createElement('tr');
      tr.dataset.id = p.arxiv_id[i];
      const title = document.createElement('td');
      const link = document.createElement('a');
      link.href = p.href[i];
      link.textContent = p.title[i];
      title.appendChild(link);
      tr.append(title, cell(p.category[i]), cell(p.topic[i]));
      tr.addEventListener('mouseenter', () => map.highlight([i]));
      tr.addEventListener('mouseleave', () => map.highlight(base));
      return tr;
    }));
  }

  function openCard(i) {
    const card = document.getElementById('card');
    const h = document.createElement('h3');
    const link = document.createElement('a');
    link.href = p.href[i];
    link.textContent = p.title[i];
    h.appendChild(link);
    const meta = document.createElement('p');
    meta.className = 'meta';
    meta.textContent = `${p.authors[i]} · ${p.category[i]} · ${p.arxiv_id[i]}`;
    const topic = document.createElement('p');
    topic.className = 'label';
    topic.textContent = p.topic[i];
    const tldr = document.createElement('p');
    tldr.className = 'tldr';
    tldr.textContent = p.tldr[i];
    card.replaceChildren(h, meta, topic, tldr);
    card.dataset.id = p.arxiv_id[i];
  }

  const map = SemdigestMap.create(document.getElementById('map'), {
    x: p.x, y: p.y, fields: { topic: p.topic, category: p.category }, colorBy: 'topic',
    legendParent: document.getElementById('legend'), pointSize: n < 2000 ? 7 : n < 20000 ? 4 : 2,
    onSelect: (indices) => fillTable(indices.length ? indices : null),
    onClick: openCard,
  });
  window.map = map;
  fillTable(null);
  document.getElementById('color-by').addEventListener('change', (e) => map.colorBy(e.target.value));
  document.getElementById('lasso').addEventListener('change', (e) => map.setSelectShape(e.target.checked ? 'lasso' : 'box'));
  document.getElementById('clear-selection').addEventListener('click', () => { map.select([]); fillTable(null); });
  // On the library map the day's papers stay highlighted until a search highlights others.
  const base = data.highlight && data.highlight.length ? data.highlight : null;
  if (base) map.highlight(base);
  document.getElementById('map-search').addEventListener('input', (e) => {
    const words = e.target.value.toLowerCase().split(/\s+/).filter(Boolean);
    map.highlight(words.length ? [...Array(n).keys()].filter((i) => {
      const text = `${p.title[i]} ${p.authors[i]}`.toLowerCase();
      return words.every((w) => text.includes(w));
    }) : base);
  });
  const wanted = decodeURIComponent(location.hash.slice(1));
  const at = wanted ? p.arxiv_id.indexOf(wanted) : -1;
  if (at >= 0) { map.ready.then(() => { map.zoomTo([at]); map.highlight([at]); openCard(at); }); }
})();
