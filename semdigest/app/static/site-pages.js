/* The static site's paper page (paper/index.html?id=...) and search page, rendered from the
 * paper shards with textContent only: nothing from a digest is ever parsed as markup. */
(function () {
  'use strict';
  const page = document.body.dataset.page;
  const params = new URLSearchParams(location.search);
  const el = (tag, props, ...children) => {
    const node = document.createElement(tag);
    Object.assign(node, props || {});
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  };
  const paperHref = (id) => `../paper/index.html?id=${encodeURIComponent(id)}`;
  const safeHref = (url) => (/^https?:\/\/[^\s<>"'`]+$/i.test(url || '') ? url : null);

  function card(id, p) {
    const links = el('p', { className: 'links' },
      el('a', { href: `https://arxiv.org/abs/${id}`, rel: 'noopener noreferrer', textContent: 'abs' }), ' ',
      el('a', { href: `https://arxiv.org/pdf/${id}`, rel: 'noopener noreferrer', textContent: 'PDF' }), ' ',
      safeHref(p.code) ? el('a', { className: 'code', href: safeHref(p.code), rel: 'noopener noreferrer', textContent: 'code' }) : null, ' ',
      el('button', { type: 'button', className: 'copy-bibtex', textContent: 'copy BibTeX' }));
    links.lastChild.dataset.id = id;
    const details = el('details', { className: 'more', open: true },
      el('summary', { textContent: 'abstract, motivation, method, result' }),
      el('p', { className: 'abstract', textContent: p.abstract || '' }),
      ...['motivation', 'method', 'result', 'conclusion'].filter((n) => p[n]).map((n) =>
        el('p', { className: n }, el('strong', { textContent: `${n[0].toUpperCase()}${n.slice(1)}: ` }), p[n])));
    const article = el('article', { className: 'paper', id: `p-${id}` },
      el('h3', { className: 'title' }, el('a', { href: paperHref(id), textContent: p.title })),
      el('p', { className: 'meta' }, el('span', { className: 'authors', textContent: p.authors }),
        ` · ${p.category || 'no category'} · `, el('span', { className: 'id', textContent: id })),
      links, p.tldr ? el('p', { className: 'tldr', textContent: p.tldr }) : null, details);
    article.dataset.id = id;
    return article;
  }

  async function paperPage() {
    const id = params.get('id') || '';
    const p = await window.SemdigestData.paper(id);
    const main = document.querySelector('main');
    if (!p) { main.replaceChildren(el('p', { className: 'none', textContent: `${id} is not on this site.` })); return; }
    document.title = `${p.title} · semdigest`;
    (window.semdigest.data.bibtex = window.semdigest.data.bibtex || {})[id] = p.bibtex;
    document.getElementById('card-slot').replaceChildren(card(id, p));
    const days = document.getElementById('days-of');
    days.replaceChildren('In the digests of: ', ...p.dates.flatMap((d) => [el('a', { href: `../day/${d}.html#p-${id}`, textContent: d }), ' ']),
      ...(p.dates.length ? ['· ', el('a', { href: `../map/${p.dates[p.dates.length - 1]}.html#${id}`, textContent: 'on the map' })] : []));
    const categories = [...new Set(p.related.map((r) => r[3]).filter(Boolean))].sort();
    document.querySelector('form.related-filters select').append(...categories.map((c) => el('option', { textContent: c })));
    document.querySelector('ol.related-list').replaceChildren(...p.related.map(([rid, title, date, category, score]) => {
      const item = el('li', {}, el('a', { href: paperHref(rid), textContent: title }),
        el('span', { className: 'when', textContent: ` ${date} · ${category} · ${score.toFixed(2)}` }));
      item.dataset.date = date;
      item.dataset.category = category;
      return item;
    }));
    document.body.dataset.ready = '1';
  }

  async function searchPage() {
    const form = document.querySelector('form.search');
    for (const name of ['q', 'since', 'until', 'category']) if (params.get(name)) form.elements[name].value = params.get(name);
    const q = params.get('q') || '';
    if (!q.trim()) { document.body.dataset.ready = '1'; return; }
    const papers = await window.SemdigestData.all();
    const results = window.SemdigestSearch.search(papers, q, {
      since: params.get('since'), until: params.get('until'), category: params.get('category') }, 50);
    const list = document.querySelector('ol.results');
    list.replaceChildren(...results.map((r) => {
      const item = el('li', {}, el('a', { href: paperHref(r.arxiv_id), textContent: r.title }),
        el('span', { className: 'meta', textContent: ` ${r.authors} · ${r.category} · ${r.first_seen}` }));
      item.dataset.id = r.arxiv_id;
      return item;
    }));
    if (!results.length) list.after(el('p', { className: 'none', textContent: `Nothing found for “${q}”.` }));
    document.body.dataset.ready = '1';
  }

  if (page === 'paper') paperPage();
  if (page === 'search') searchPage();
})();
