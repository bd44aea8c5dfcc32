// A worker process of the `hash` pool: scrypt off the event loop of the API process. Only node built-ins
// and erasable TypeScript, so Node runs this file directly (tests) as well as its compiled `.js`.
// Protocol (see @steward/pool worker-protocol): newline-delimited JSON on the Unix socket in
// STEWARD_WORKER_SOCKET; prints the ready line once it listens; exits when the channel closes.
import { randomBytes, scrypt } from 'node:crypto';
import { createServer } from 'node:net';

interface HashPayload {
  password: string;
  salt?: string;
}

const SCRYPT = { N: 16_384, r: 8, p: 1, keylen: 64 };

function hash(payload: HashPayload): Promise<{ algorithm: string; salt: string; hash: string }> {
  const salt = payload.salt ? Buffer.from(payload.salt, 'hex') : randomBytes(16);
  return new Promise((resolve, reject) => {
    scrypt(payload.password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }, (error, key) => {
      if (error) reject(error);
      else
        resolve({
          algorithm: `scrypt:N=${SCRYPT.N},r=${SCRYPT.r},p=${SCRYPT.p}`,
          salt: salt.toString('hex'),
          hash: key.toString('hex'),
        });
    });
  });
}

const socketPath = process.env.STEWARD_WORKER_SOCKET;
if (!socketPath) {
  console.error('STEWARD_WORKER_SOCKET is not set');
  process.exit(2);
}

const server = createServer((socket) => {
  // One channel per worker: when the pool closes it, the worker is done.
  server.close();
  socket.setEncoding('utf8');
  let buffer = '';
  socket.on('error', () => process.exit(0));
  socket.on('close', () => process.exit(0));
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      void answer(line).then((reply) => socket.write(`${JSON.stringify(reply)}\n`));
      newline = buffer.indexOf('\n');
    }
  });
});

async function answer(line: string): Promise<object> {
  let id = 0;
  try {
    const message = JSON.parse(line) as { id: number; ping?: boolean; payload?: HashPayload };
    id = message.id;
    if (message.ping) return { id, ok: true, result: 'pong' };
    return { id, ok: true, result: await hash(message.payload as HashPayload) };
  } catch (error) {
    return { id, ok: false, error: error instanceof Error ? error.message : 'bad request' };
  }
}

server.listen(socketPath, () => console.log('steward-worker-ready'));
