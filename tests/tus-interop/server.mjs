// The official tus server (@tus/server + @tus/file-store from npm) for the interop test of
// our tus client. Usage: node server.mjs <upload-dir> <expiration-ms>
// Prints "LISTENING <port>" once it accepts connections on 127.0.0.1.
import http from 'node:http';
import { Server } from '@tus/server';
import { FileStore } from '@tus/file-store';

const [dir, expiration] = process.argv.slice(2);
const tus = new Server({
  path: '/files',
  datastore: new FileStore({ directory: dir, expirationPeriodInMilliseconds: Number(expiration || 0) }),
});
const srv = http.createServer((req, res) => tus.handle(req, res));
srv.listen(0, '127.0.0.1', () => {
  console.log(`LISTENING ${srv.address().port}`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
