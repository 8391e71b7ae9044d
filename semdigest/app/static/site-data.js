/* The static site's paper data: data/papers-NN.js shards, each a script (a page opened from
 * file:// may not fetch) that hands its records to semdigestShard. A paper's shard is the sum
 * of its id's character codes modulo the shard count (semdigest/app/site.py does the same). */
(function () {
  'use strict';
  const papers = {};
  const waiting = {};
  const loaded = {};
  window.SEMDIGEST_PAPERS = papers;
  window.semdigestShard = (k, records) => {
    Object.assign(papers, records);
    loaded[k] = true;
    (waiting[k] || []).forEach((done) => done());
    delete waiting[k];
  };
  const meta = document.getElementById('site-data');
  const shards = Number(meta.dataset.shards), base = meta.dataset.base;
  const shardOf = (id) => [...id].reduce((sum, c) => sum + c.charCodeAt(0), 0) % shards;
  function load(k) {
    return new Promise((resolve, reject) => {
      if (loaded[k]) { resolve(); return; }
      if (waiting[k]) { waiting[k].push(resolve); return; }
      waiting[k] = [resolve];
      const script = document.createElement('script');
      script.src = `${base}papers-${String(k).padStart(2, '0')}.js`;
      script.onerror = () => reject(new Error(`could not load ${script.src}`));
      document.head.appendChild(script);
    });
  }
  window.SemdigestData = {
    papers,
    paper: (id) => load(shardOf(id)).then(() => papers[id]),
    all: () => Promise.all([...Array(shards).keys()].map(load)).then(() => papers),
  };
})();
