// The dashboard's code, a file of its own so the page's CSP runs no inline script.
const $ = (id) => document.getElementById(id);
const today = new Date().toISOString().slice(0, 10);
const params = new URLSearchParams(location.search);
$('to').value = params.get('to') || today;
$('from').value = params.get('from') || new Date(Date.now() - 89 * 86400000).toISOString().slice(0, 10);
$('token').value = sessionStorage.getItem('nurture-api-key') || '';
const charts = {};
const palette = ['#4f7cff', '#22a699', '#f2a541', '#e4572e', '#9b5de5', '#6c757d', '#2ec4b6'];

// Leads and scores per period; funnel and email for the whole range (with a granularity they answer per period).
const PER_PERIOD = ['leads', 'lead-scores'];
async function report(name) {
  const query = new URLSearchParams({ from: $('from').value, to: $('to').value });
  if (PER_PERIOD.includes(name)) query.set('granularity', $('granularity').value);
  const response = await fetch(`/reports/${name}?${query}`, { headers: { authorization: `Bearer ${$('token').value.trim()}` } });
  if (!response.ok) throw new Error(`${name}: ${response.status} ${(await response.json().catch(() => ({}))).message || ''}`);
  return response.json();
}
const column = (table, name) => table.rows.map((row) => row[table.columns.indexOf(name)]);

function draw(id, config) {
  charts[id]?.destroy();
  charts[id] = new Chart($(id), { ...config, options: { animation: false, responsive: true, ...config.options } });
}

async function load() {
  $('status').textContent = '';
  document.body.dataset.ready = 'loading';
  sessionStorage.setItem('nurture-api-key', $('token').value.trim());
  try {
    const [funnel, leads, email, scores] = await Promise.all(['funnel', 'leads', 'email', 'lead-scores'].map(report));
    draw('funnel', {
      type: 'bar',
      data: { labels: column(funnel, 'stage'), datasets: [
        { label: 'entered', data: column(funnel, 'entered'), backgroundColor: palette[0] },
        { label: 'moved forward', data: column(funnel, 'forward'), backgroundColor: palette[1] },
        { label: 'stalled now', data: column(funnel, 'stalled'), backgroundColor: palette[3] },
      ] },
    });
    draw('leads', {
      type: 'line',
      data: { labels: column(leads, 'period'), datasets: ['new', 'reopened', 'mql', 'sql', 'customer'].map((name, i) => ({
        label: name, data: column(leads, name), borderColor: palette[i], backgroundColor: palette[i], tension: 0.2,
      })) },
    });
    const templates = email.rows.map((row) => `${row[0]} / ${row[1]} / ${row[2]}`);
    draw('email', {
      type: 'bar',
      data: { labels: templates, datasets: [
        { label: 'open rate', data: column(email, 'openRate'), backgroundColor: palette[0] },
        { label: 'click-through rate', data: column(email, 'clickThroughRate'), backgroundColor: palette[1] },
        { label: 'click-to-open rate', data: column(email, 'clickToOpenRate'), backgroundColor: palette[2] },
      ] },
      options: { indexAxis: 'y', scales: { x: { ticks: { callback: (v) => `${Math.round(v * 100)}%` } } } },
    });
    const buckets = scores.columns.slice(3);
    draw('scores', {
      type: 'bar',
      data: { labels: buckets, datasets: scores.rows.map((row, i) => ({
        label: `${row[0]} (median ${row[2] ?? '-'})`, data: row.slice(3), backgroundColor: palette[i % palette.length],
      })) },
    });
    document.body.dataset.ready = 'true';
  } catch (error) {
    $('status').textContent = String(error.message || error);
    document.body.dataset.ready = 'error';
  }
}
$('load').addEventListener('click', load);
if ($('token').value) load();
