import uws from 'uWebSockets.js';
const app = uws.App();
app.any('/*', (res, req) => { const u = req.getUrl(); res.cork(() => { res.writeStatus(u === '/204' ? '204 No Content' : '200 OK'); if (u === '/none' || u === '/204') res.endWithoutBody(); else res.endWithoutBody(0); }); });
app.listen('127.0.0.1', 18099, async (t) => {
  const { execSync } = await import('node:child_process');
  for (const p of ['/none', '/zero', '/204']) console.log(JSON.stringify(execSync(`curl -s -i -I http://127.0.0.1:18099${p}`).toString()));
  process.exit(0);
});
