/**
 * Summarises a `.cpuprofile`: self time by function and by file (top N), and inclusive time of frames whose
 * name or URL matches an optional filter. `node cpu-profile-top.cjs <file> [N] [filter]`.
 */
const { readFileSync } = require('node:fs');
const [file, topArg, filter] = process.argv.slice(2);
const top = Number(topArg || 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
for (const id of profile.samples) self.set(id, (self.get(id) || 0) + 1);
const total = profile.samples.length;
const fnSelf = new Map();
const fileSelf = new Map();
for (const [id, count] of self) {
  const { callFrame: f } = byId.get(id);
  const fn = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\/(node_modules\/)?/, '')}:${f.lineNumber}`;
  fnSelf.set(fn, (fnSelf.get(fn) || 0) + count);
  const where = f.url.includes('node_modules/')
    ? f.url.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1')
    : f.url || f.functionName;
  fileSelf.set(where, (fileSelf.get(where) || 0) + count);
}
const show = (title, map) => {
  console.log(`\n${title} (of ${total} samples)`);
  for (const [k, v] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
};
show('self time by function', fnSelf);
show('self time by package/file', fileSelf);
if (filter) {
  // Inclusive time: samples whose stack contains a matching frame.
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const incl = new Map();
  for (const [id, count] of self) {
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const f = byId.get(x).callFrame;
      const name = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber}`;
      if (!new RegExp(filter).test(name) || seen.has(name)) continue;
      seen.add(name);
      incl.set(name, (incl.get(name) || 0) + count);
    }
  }
  show(`inclusive time of frames matching /${filter}/`, incl);
}
