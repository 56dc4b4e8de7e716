// tus-js-client (the reference tus client, npm) against the stub: upload a real photo in
// chunks, abort in the middle of the transfer, check the server kept the bytes it acknowledged,
// resume from the stored upload URL, then prove the assembled file is byte-identical by
// attaching it to a report (the stub checks its SHA-256) and downloading it back.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as tus from 'tus-js-client';

const { BASE, TOKEN, PHOTO } = process.env;
const data = readFileSync(PHOTO);
const sha256 = createHash('sha256').update(data).digest('hex');
const auth = { Authorization: `Bearer ${TOKEN}` };
const chunkSize = 1024 * 1024;
const fail = (msg) => { console.error(`FAIL: ${msg}`); process.exit(1); };

function upload(opts) {
  return new Promise((resolve, reject) => {
    const up = new tus.Upload(data, {
      endpoint: `${BASE}files/`,
      headers: auth,
      chunkSize,
      retryDelays: null,
      metadata: { filename: 'photo.jpg', filetype: 'image/jpeg' },
      ...opts(resolve, reject, () => up),
    });
    up.start();
  });
}

// 1. Start, and abort (the app being killed) once 1.5 chunks have been written; whether the
//    second PATCH's answer had arrived by then is up to timing, so both cases are accepted.
let firstUrl;
let acknowledged = 0;
let aborted = false;
const abortedAt = await upload((resolve, reject, self) => ({
  onChunkComplete: (_chunk, accepted) => { acknowledged = accepted; firstUrl = self().url; },
  onProgress: (sent) => {
    if (!aborted && sent >= chunkSize * 1.5) {
      aborted = true;
      firstUrl = self().url;
      self().abort(false).then(() => resolve(sent));
    }
  },
  onSuccess: () => reject(new Error('finished before the abort')),
  onError: reject,
}));
console.log(`aborted after writing ${abortedAt} of ${data.length} bytes (${acknowledged} acknowledged) at ${firstUrl}`);

// 2. The server holds at least what it acknowledged.
const head = await fetch(firstUrl, { method: 'HEAD', headers: { ...auth, 'Tus-Resumable': '1.0.0' } });
const serverOffset = Number(head.headers.get('upload-offset'));
if (head.status !== 200 || serverOffset < acknowledged || serverOffset > abortedAt) fail(`HEAD ${head.status}: offset ${serverOffset} outside [${acknowledged}, ${abortedAt}]`);

// 3. Resume from the stored URL: tus-js-client asks HEAD and continues from there.
let firstProgress = null;
let patches = 0;
await upload((resolve, reject) => ({
  uploadUrl: firstUrl,
  onProgress: (sent) => { if (firstProgress === null) firstProgress = sent; },
  onBeforeRequest: (req) => { if (req.getMethod() === 'PATCH') patches++; },
  onSuccess: resolve,
  onError: reject,
}));
const resent = data.length - serverOffset;
console.log(`resumed at ${serverOffset}; ${patches} PATCH requests carried the remaining ${resent} bytes`);
if (patches > Math.ceil(resent / chunkSize)) fail(`too many PATCHes (${patches}): acknowledged bytes re-sent`);

// 4. The file is intact: a report accepts its SHA-256, and the download matches.
const clientId = crypto.randomUUID();
const res = await fetch(`${BASE}api/v1/reports`, {
  method: 'POST',
  headers: { ...auth, 'Content-Type': 'application/json', 'Idempotency-Key': clientId },
  body: JSON.stringify({
    client_id: clientId, category: 'giao_thong', description: 'Ảnh tải lên bằng tus-js-client, bị ngắt rồi tiếp tục',
    lat: 18.342, lon: 105.9057,
    media: [{ upload_url: firstUrl, sha256, kind: 'photo', mime: 'image/jpeg' }],
  }),
});
const report = await res.json();
if (res.status !== 201) fail(`report creation ${res.status}: ${JSON.stringify(report)}`);
// The server strips the photo's metadata (EXIF GPS, maker data, thumbnails) on completion:
// the download is what the report lists, and its compressed image data is the upload's, byte
// for byte, from the start of the scan to the end of the picture.
const got = Buffer.from(await (await fetch(report.media[0].url)).arrayBuffer());
if (createHash('sha256').update(got).digest('hex') !== report.media[0].sha256) fail('downloaded file differs from the report');
const sos = got.indexOf(Buffer.from([0xFF, 0xDA]));
if (sos < 0 || got.length > data.length || data.indexOf(got.subarray(sos)) < 0) fail('image data changed on the server');
console.log(`OK: ${data.length} bytes, sha256 ${sha256.slice(0, 16)}…, report ${report.id} in ward ${report.ward.code}`);
