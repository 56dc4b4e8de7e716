#!/usr/bin/env python3
"""Backend stub figures, each beside an anchor measured in the same run on this machine.

- startup: process start -> first HTTP answer, for a fresh SQLite file, the same file again
  (restart) and :memory:; anchor: Python's http.server doing the same (no database, no seed).
- requests/s over one keep-alive connection: report creation (auth, validation, ward lookup,
  SQLite transaction) and the public feed; anchor: GET /api/v1/units (routing + JSON only).
- tus upload of a 4 MB phone photo in 1 MiB chunks with sha1 checksums (MB/s).
Usage: bench/stub.py [STUB_BINARY]   (build first: cargo build -p phananh-stub)
"""
import base64, hashlib, http.client, json, os, re, socket, statistics, subprocess, sys, tempfile, time, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STUB = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/debug/phananh-stub")
PHOTO = os.path.join(ROOT, "..", "shared/data/photos/samsung_galaxy_s7_edge_SM-G935L.jpg")


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def wait_up(port, path, t0, limit=10.0):
    while time.perf_counter() - t0 < limit:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1); c.request("GET", path); c.getresponse().read(); c.close()
            return time.perf_counter() - t0
        except OSError:
            time.sleep(0.002)
    raise RuntimeError("server did not come up")


def startup(cmd, port, path, log=None):
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT, cwd=ROOT)
    try:
        return wait_up(port, path, t0), p
    except Exception:
        p.kill(); raise


def stop(p):
    p.terminate(); p.wait(5)


def ms(x):
    return f"{x * 1000:.0f} ms"


tmp = tempfile.mkdtemp()
runs = {"fresh file": [], "restart (same file)": [], ":memory:": [], "anchor: python http.server": []}
for i in range(5):
    db = os.path.join(tmp, f"s{i}.sqlite")
    for label, dbarg in (("fresh file", db), ("restart (same file)", db), (":memory:", ":memory:")):
        port = free_port()
        t, p = startup([STUB, "--dev", "--db", dbarg, "--data-dir", os.path.join(tmp, "m"), "--addr", f"127.0.0.1:{port}"], port, "/api/v1/units")
        runs[label].append(t); stop(p)
    port = free_port()
    t, p = startup([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", tmp], port, "/")
    runs["anchor: python http.server"].append(t); stop(p)
print("startup to first answer (median of 5):")
for k, v in runs.items():
    print(f"  {k:28s} {ms(statistics.median(v))}")

# Throughput on one keep-alive connection.
port = free_port()
log = open(os.path.join(tmp, "stub.log"), "w+")
_, p = startup([STUB, "--dev", "--db", os.path.join(tmp, "t.sqlite"), "--data-dir", os.path.join(tmp, "tm"),
                "--addr", f"127.0.0.1:{port}", "--rate-limit", "0"], port, "/api/v1/units", log)
c = http.client.HTTPConnection("127.0.0.1", port)


def call(method, path, body=None, headers=None):
    h = {"content-type": "application/json"}; h.update(headers or {})
    c.request(method, path, body=json.dumps(body) if isinstance(body, dict) else body, headers=h)
    r = c.getresponse(); data = r.read(); return r.status, r, data


phone = "+84912345000"
call("POST", "/api/v1/auth/otp/request", {"phone": phone}); time.sleep(0.2)
log.seek(0); code = re.findall(r"dev OTP (\d{6})", re.sub(r"\x1b\[[0-9;]*m", "", log.read()))[-1]
_, _, data = call("POST", "/api/v1/auth/otp/verify", {"phone": phone, "code": code})
auth = {"authorization": "Bearer " + json.loads(data)["access_token"]}


def rate(n, fn):
    t0 = time.perf_counter()
    for i in range(n):
        s = fn(i)
        assert s < 300, s
    return n / (time.perf_counter() - t0)


N = 300
units = rate(N, lambda i: call("GET", "/api/v1/units")[0])


def create(i):
    cid = str(uuid.uuid4())
    body = {"client_id": cid, "category": "giao_thong", "description": f"Ổ gà số {i} trên đường Trần Phú",
            "lat": 18.342, "lon": 105.9057}
    return call("POST", "/api/v1/reports", body, {**auth, "idempotency-key": cid})[0]


creates = rate(N, create)
feed = rate(N, lambda i: call("GET", "/api/v1/feed?q=duong&limit=20")[0])
print(f"requests/s on one connection ({N} each):")
print(f"  anchor: GET /api/v1/units     {units:8.0f}")
print(f"  POST /api/v1/reports          {creates:8.0f}")
print(f"  GET /api/v1/feed?q=duong      {feed:8.0f}")

photo = open(PHOTO, "rb").read()
t0 = time.perf_counter()
meta = "filetype " + base64.b64encode(b"image/jpeg").decode()
s, r, _ = call("POST", "/files/", b"", {**auth, "tus-resumable": "1.0.0", "upload-length": str(len(photo)), "upload-metadata": meta})
url = r.getheader("location").split(str(port), 1)[1]
off, chunk = 0, 1 << 20
while off < len(photo):
    part = photo[off:off + chunk]
    sha1 = base64.b64encode(hashlib.sha1(part).digest()).decode()
    s, r, _ = call("PATCH", url, part, {**auth, "tus-resumable": "1.0.0", "upload-offset": str(off),
                                          "content-type": "application/offset+octet-stream", "upload-checksum": "sha1 " + sha1})
    assert s == 204, s
    off = int(r.getheader("upload-offset"))
dt = time.perf_counter() - t0
print(f"tus upload {len(photo) / 1e6:.1f} MB in 1 MiB chunks with sha1: {ms(dt)} ({len(photo) / 1e6 / dt:.0f} MB/s)")
stop(p)
