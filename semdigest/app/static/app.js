/* semdigest's pages: the token, copying BibTeX, marks, related-paper filters, and (in the
 * static site) search from the prebuilt index. A classic script, so pages opened from file://
 * run it; every value from a digest reaches the page through textContent, never as markup. */
(function () {
  'use strict';
  const body = document.body;
  const mode = body.dataset.mode;                     // "server" or "site"
  const data = JSON.parse(document.getElementById('page-data').textContent || '{}');
  window.semdigest = { data, events: [] };

  // The per-run token arrives in the start-up URL; keep it for this origin and take it out of
  // the address bar (and of any link copied from it).
  const TOKEN_KEY = 'semdigest-token';
  const params = new URLSearchParams(location.search);
  if (mode === 'server' && params.has('token')) {
    try { localStorage.setItem(TOKEN_KEY, params.get('token')); } catch (e) { /* storage off */ }
    params.delete('token');
    history.replaceState(null, '', location.pathname + (params.toString() ? '?' + params : '') + location.hash);
  }
  const token = () => { try { return localStorage.getItem(TOKEN_KEY) || ''; } catch (e) { return ''; } };

  function status(text) {
    let box = document.getElementById('status');
    if (!box) {
      box = document.createElement('div');
      box.id = 'status';
      box.setAttribute('role', 'status');
      document.body.appendChild(box);
    }
    box.textContent = text;
  }

  // -- copy BibTeX ----------------------------------------------------------------------------
  document.addEventListener('click', (event) => {
    const button = event.target.closest('.copy-bibtex');
    if (!button) return;
    const text = (data.bibtex || {})[button.dataset.id] || '';
    const shown = () => {
      let area = button.parentElement.querySelector('textarea.bibtex');
      if (!area) {
        area = document.createElement('textarea');
        area.className = 'bibtex';
        area.readOnly = true;
        area.rows = 8;
        button.parentElement.appendChild(area);
      }
      area.value = text;
      area.select();
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(() => status('BibTeX copied'), shown);
    } else {
      shown();
    }
  });

  // -- marks: the interest's ranking learns from them at once ----------------------------------
  if (mode !== 'server' || body.dataset.readOnly) {
    document.querySelectorAll('.marks').forEach((el) => el.remove());
  }
  document.addEventListener('click', async (event) => {
    const button = event.target.closest('button.mark');
    if (!button) return;
    const interest = button.closest('.marks').dataset.interest;
    const id = button.closest('[data-id]').dataset.id;
    const response = await fetch(`/api/interests/${encodeURIComponent(interest)}/marks`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token()}` },
      body: JSON.stringify({ arxiv_id: id, mark: button.dataset.mark }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) { status(answer.error || `refused (${response.status})`); return; }
    status(`marked ${id} ${button.dataset.mark.replace('_', ' ')} for ${interest}`);
    window.semdigest.events.push(answer);
    if (body.dataset.page === 'day') await refreshForYou(interest);
  });

  async function refreshForYou(interest) {
    const response = await fetch(`/api/days/${encodeURIComponent(data.date)}`);
    if (!response.ok) return;
    const day = await response.json();
    const list = [...document.querySelectorAll('ol.ranked')].find((el) => el.dataset.interest === interest);
    if (!list) return;
    list.replaceChildren(...(day.for_you[interest] || []).map((r) => {
      const item = document.createElement('li');
      item.dataset.id = r.arxiv_id;
      const link = document.createElement('a');
      link.href = `#p-${r.arxiv_id}`;
      link.textContent = r.title;
      const why = document.createElement('span');
      why.className = 'reason';
      why.textContent = r.reason;
      item.append(link, ' ', why);
      return item;
    }));
    list.dataset.updated = String(Date.now());
  }

  // -- related papers: filters by date and category --------------------------------------------
  const filters = document.querySelector('form.related-filters');
  if (filters) {
    filters.addEventListener('change', async () => {
      const f = new FormData(filters);
      const list = document.querySelector('ol.related-list');
      if (mode === 'server') {
        const query = new URLSearchParams({ k: '20' });
        for (const name of ['since', 'until', 'category']) if (f.get(name)) query.set(name, f.get(name));
        const response = await fetch(`/api/papers/${encodeURIComponent(data.arxiv_id)}/related?${query}`);
        const hits = await response.json();
        if (!response.ok) { status(hits.error || 'refused'); return; }
        list.replaceChildren(...hits.map((h) => relatedItem(h, `/paper/${encodeURIComponent(h.arxiv_id)}`)));
      } else {
        for (const item of list.children) {
          const d = item.dataset.date, c = item.dataset.category;
          item.hidden = (f.get('since') && d < f.get('since')) || (f.get('until') && d > f.get('until'))
            || (f.get('category') && c !== f.get('category'));
        }
      }
      list.dataset.updated = String(Date.now());
    });
  }

  function relatedItem(h, href) {
    const item = document.createElement('li');
    item.dataset.date = h.date || '';
    item.dataset.category = h.primary_category || '';
    const link = document.createElement('a');
    link.href = href;
    link.textContent = h.title;
    const when = document.createElement('span');
    when.className = 'when';
    when.textContent = ` ${h.date || ''} · ${h.primary_category || ''} · ${(h.score || 0).toFixed(2)}`;
    item.append(link, when);
    return item;
  }

})();
