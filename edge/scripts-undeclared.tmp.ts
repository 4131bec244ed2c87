import { app } from './src/app.ts';
const res = await app.request('/v1/openapi.json');
const doc: any = await res.json();
const out: string[] = [];
const seen = new Set<string>();
for (const r of app.routes) {
  if (r.method === 'ALL' || r.path.includes('*')) continue;
  const k = `${r.method} ${r.path}`; if (seen.has(k)) continue; seen.add(k);
  const op = doc.paths[r.path.replace(/:([A-Za-z_]+)/g, '{$1}')]?.[r.method.toLowerCase()];
  if (!op || op['x-undeclared']) out.push(k);
}
console.log(out.map((k) => `  '${k}',`).join('\n'));
console.error(out.length, 'of', seen.size);
