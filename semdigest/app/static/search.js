/* The static site's full-text search over the papers' records ({id: {title, authors, abstract,
 * first_seen, category}}), as the server's: every word must match (title 10, authors 5,
 * abstract 1 per match), else any word may; an arXiv id finds its paper first. Words match
 * whole, case and accents folded, so "LoRA" finds LoRA and not "exploration". */
(function () {
  'use strict';
  const fold = (text) => String(text || '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const words = (text) => fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  const spaced = (text) => ` ${words(text).join(' ')} `;
  let prepared = null;

  function count(haystack, word) {
    let n = 0, at = haystack.indexOf(` ${word} `);
    while (at >= 0) { n++; at = haystack.indexOf(` ${word} `, at + word.length + 1); }
    return n;
  }

  function search(papers, query, filters, k) {
    prepared = prepared || Object.entries(papers).map(([id, p]) =>
      ({ id, p, title: spaced(p.title), authors: spaced(p.authors), abstract: spaced(p.abstract) }));
    const f = filters || {};
    const allowed = ({ p }) => (!f.since || p.first_seen >= f.since) && (!f.until || p.first_seen <= f.until)
      && (!f.category || p.category === f.category);
    const id = String(query).trim().replace(/^arxiv:/i, '').replace(/v\d+$/, '');
    const wanted = words(query);
    const scored = (every) => prepared.filter(allowed).map((row) => {
      let score = 0, matched = 0;
      for (const w of wanted) {
        const s = 10 * count(row.title, w) + 5 * count(row.authors, w) + count(row.abstract, w);
        if (s > 0) matched++;
        score += s;
      }
      return matched && (!every || matched === wanted.length) ? [row, score] : null;
    }).filter(Boolean);
    let found = wanted.length ? scored(true) : [];
    if (!found.length && wanted.length > 1) found = scored(false);
    found.sort((a, b) => b[1] - a[1] || (a[0].id < b[0].id ? -1 : 1));
    const order = found.map(([row]) => row).filter((row) => row.id !== id);
    const exact = prepared.find((row) => row.id === id);
    if (exact && allowed(exact)) order.unshift(exact);
    return order.slice(0, k).map(({ id: rid, p }) => ({ arxiv_id: rid, title: p.title, authors: p.authors,
      category: p.category || '', first_seen: p.first_seen || '' }));
  }

  window.SemdigestSearch = { search, words };
})();
