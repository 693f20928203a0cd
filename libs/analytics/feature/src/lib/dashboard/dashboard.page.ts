/**
 * The analytics dashboard: one self-contained HTML page. Its script reads the cached dashboard endpoints
 * (`/analytics/calls/{date}/{hour}` for the last 24 hours, `/analytics/performance/{metric}`) and the live
 * `/analytics/dashboard/hit-rates`, and draws them with Chart.js, served by this service (no CDN). When every
 * chart is drawn it sets `window.dashboard = { ready: true, charts }` with the plotted data (the page test and
 * anyone debugging read it there).
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Analytics dashboard</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #f5f6f8; color: #1d2330; }
  header { padding: 16px 24px; background: #1d2330; color: #fff; }
  header h1 { margin: 0; font-size: 20px; }
  header p { margin: 4px 0 0; opacity: .75; font-size: 13px; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap: 16px; padding: 16px; }
  section { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  section h2 { font-size: 15px; margin: 0 0 8px; }
  canvas { width: 100% !important; height: 260px !important; }
  #error { color: #b00020; padding: 0 24px; }
</style>
</head>
<body>
<header><h1>Calls, revenue and cache</h1><p id="updated">loading…</p></header>
<p id="error"></p>
<main>
  <section><h2>Calls per hour (last 24 h, UTC)</h2><canvas id="calls"></canvas></section>
  <section><h2>Revenue per day (last 30 days)</h2><canvas id="revenue"></canvas></section>
  <section><h2>KPIs per day</h2><canvas id="kpis"></canvas></section>
  <section><h2>Cache hit rate per layer and service (live)</h2><canvas id="hitRates"></canvas></section>
</main>
<script src="/analytics/dashboard/chart.js"></script>
<script>
(async () => {
  const HOUR = 3600000;
  const getJson = async (path) => {
    const response = await fetch(path);
    if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
    return response.json();
  };
  const charts = {};
  const draw = (id, type, labels, datasets, options) => {
    charts[id] = { labels, datasets: datasets.map((d) => ({ label: d.label, data: d.data })) };
    return new Chart(document.getElementById(id), {
      type, data: { labels, datasets }, options: Object.assign({ animation: false, responsive: true }, options),
    });
  };
  try {
    const now = Math.floor(Date.now() / HOUR) * HOUR;
    const hours = Array.from({ length: 24 }, (_, i) => new Date(now - (23 - i) * HOUR).toISOString());
    const hourly = await Promise.all(
      hours.map((iso) => getJson('/analytics/calls/' + iso.slice(0, 10) + '/' + iso.slice(11, 13))),
    );
    draw('calls', 'bar', hours.map((iso) => iso.slice(11, 16)), [
      { label: 'calls', data: hourly.map((h) => h.calls), backgroundColor: '#3b6fd8' },
      { label: 'connected', data: hourly.map((h) => h.connectedCalls), backgroundColor: '#38a169' },
    ]);
    const [revenue, connect, duration] = await Promise.all(
      ['revenue-cents', 'connect-rate', 'avg-duration-seconds'].map((m) => getJson('/analytics/performance/' + m)),
    );
    draw('revenue', 'line', revenue.points.map((p) => p.day), [
      { label: 'revenue ($)', data: revenue.points.map((p) => p.value / 100), borderColor: '#d97706' },
    ]);
    draw('kpis', 'line', connect.points.map((p) => p.day), [
      { label: 'connect rate (%)', data: connect.points.map((p) => Math.round(p.value * 1000) / 10), borderColor: '#38a169', yAxisID: 'y' },
      { label: 'avg duration (s)', data: duration.points.map((p) => Math.round(p.value)), borderColor: '#7c3aed', yAxisID: 'y1' },
    ], { scales: { y: { position: 'left' }, y1: { position: 'right', grid: { drawOnChartArea: false } } } });
    const pct = (r) => (r.rate === null ? null : Math.round(r.rate * 1000) / 10);
    const hitRates = await getJson('/analytics/dashboard/hit-rates');
    const hitChart = draw('hitRates', 'bar', hitRates.map((s) => s.service + (s.up ? '' : ' (down)')), [
      { label: 'L1 %', data: hitRates.map((s) => pct(s.l1)), backgroundColor: '#3b6fd8' },
      { label: 'L2 % of L1 misses', data: hitRates.map((s) => pct(s.l2)), backgroundColor: '#d97706' },
      { label: 'overall %', data: hitRates.map((s) => pct(s.overall)), backgroundColor: '#38a169' },
    ], { scales: { y: { min: 0, max: 100 } } });
    setInterval(async () => {
      try {
        const live = await getJson('/analytics/dashboard/hit-rates');
        ['l1', 'l2', 'overall'].forEach((layer, i) => (hitChart.data.datasets[i].data = live.map((s) => pct(s[layer]))));
        hitChart.update();
        document.getElementById('updated').textContent = 'hit rates updated ' + new Date().toISOString();
      } catch (error) { document.getElementById('error').textContent = String(error); }
    }, 5000);
    document.getElementById('updated').textContent = 'updated ' + new Date().toISOString();
    window.dashboard = { ready: true, charts };
  } catch (error) {
    document.getElementById('error').textContent = String(error);
    window.dashboard = { ready: false, error: String(error), charts };
  }
})();
</script>
</body>
</html>
`;
