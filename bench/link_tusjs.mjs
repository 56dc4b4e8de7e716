// tus-js-client (npm), the reference tus client, delivers the same report as our client in
// bench/link.sh: each file uploaded in turn with tus-js-client's defaults (one PATCH per
// file, resume by HEAD after an error, retry delays 0/1/3/5 s reset after progress; the list
// is only made longer so a run of cuts cannot exhaust it), then the report is created with
// an Idempotency-Key, retried through cuts (with node:http, the stack tus-js-client uses in
// node, so the anchor carries no headers of its own that a fetch() would add). Prints `RESULT {json}` with the time from the
// first request to the report's 201.
// Env: BASE (proxy URL with trailing slash), TOKEN (bearer), FILES (JSON [{path, mime, kind}]),
// REPORT (the report body our client sends, with @@CLIENT_ID@@ and @@URLi@@ placeholders, so
// both clients send the same report byte for byte).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { basename } from 'node:path';
import * as tus from 'tus-js-client';

const { BASE, TOKEN, FILES, REPORT } = process.env;
const files = JSON.parse(FILES);
const auth = { Authorization: `Bearer ${TOKEN}` };
const retryDelays = [0, 1000, 3000, 5000, 5000, 5000, 5000, 5000, 5000, 5000];

function upload(data, mime, name) {
  return new Promise((resolve, reject) => {
    const up = new tus.Upload(data, {
      endpoint: `${BASE}files/`,
      headers: auth,
      retryDelays,
      metadata: { filename: name, filetype: mime },
      onSuccess: () => resolve(up.url),
      onError: reject,
    });
    up.start();
  });
}

function post(url, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'Content-Length': Buffer.byteLength(body) } }, (res) => {
      res.on('error', reject);
      res.on('end', () => resolve(res.statusCode));
      res.resume();
    });
    req.on('error', reject);
    req.end(body);
  });
}

const started = performance.now();
const urls = [];
for (const f of files) {
  const data = readFileSync(f.path);
  urls.push(await upload(data, f.mime, basename(f.path)));
}
const clientId = randomUUID();
let body = REPORT.replace('@@CLIENT_ID@@', clientId);
urls.forEach((u, i) => { body = body.replace(`@@URL${i}@@`, u); });
let status = 0;
const done = () => status === 201 || status === 200; // 200: a replay after a lost answer
for (let attempt = 0; attempt < 20 && !done(); attempt++) {
  try {
    status = await post(`${BASE}api/v1/reports`, { ...auth, 'Content-Type': 'application/json', 'Idempotency-Key': clientId }, body);
    if (!done() && status < 500) throw new Error(`report creation ${status}`);
  } catch (e) {
    if (String(e).includes('report creation')) throw e;
    await new Promise((r) => setTimeout(r, attempt === 0 ? 0 : 1000));
  }
}
if (!done()) { console.error(`FAIL: report not created (${status})`); process.exit(1); }
console.log(`RESULT ${JSON.stringify({ ms: performance.now() - started, client_id: clientId, files: urls.length })}`);
