/**
 * Counts what a server asks of Firestore, at the wire: a plain HTTP/2 proxy in front of the
 * Firestore emulator that forwards every gRPC call unchanged and reads the messages going by.
 * The server under measure stays the compiled build, unmodified; it only gets the proxy's
 * address as FIRESTORE_EMULATOR_HOST. Counted as Firestore bills them:
 *
 * - reads: one per document a GetDocument or BatchGetDocuments answers (a missing document
 *   included), one per document a RunQuery returns, and one for a query that returns none;
 * - writes and deletes: the Write messages of each Commit (a batch of three is three), a
 *   Write that deletes counted as a delete; each Commit;
 * - transactions: each one begun, by BeginTransaction or by a read that asks for a new one
 *   (as the Node client begins them);
 * - any other method by name.
 */
import http2, { type ClientHttp2Session, type IncomingHttpHeaders, type IncomingHttpStatusHeader, type OutgoingHttpHeaders } from 'node:http2';
import type { AddressInfo } from 'node:net';

const SERVICE = '/google.firestore.v1.Firestore/';
/** Methods that begin a transaction: always (0), or when this field (new_transaction) is set. */
const NEW_TRANSACTION_FIELD = new Map([
  ['BeginTransaction', 0],
  ['BatchGetDocuments', 5],
  ['RunQuery', 6],
]);

export interface FirestoreOps {
  reads: number;
  writes: number;
  deletes: number;
  commits: number;
  transactions: number;
  /** Every call, by method name (GetDocument, RunQuery, Commit, …). */
  calls: Record<string, number>;
}

export function noOps(): FirestoreOps {
  return { reads: 0, writes: 0, deletes: 0, commits: 0, transactions: 0, calls: {} };
}

export interface CountingProxy {
  /** `127.0.0.1:PORT`, for FIRESTORE_EMULATOR_HOST. */
  readonly host: string;
  /** What was counted since the last call. */
  take(): FirestoreOps;
  close(): Promise<void>;
}

/** Top-level fields of a protobuf message: field number and, for length-delimited ones, the bytes. */
function fieldsOf(message: Buffer): { field: number; bytes?: Buffer }[] {
  const fields: { field: number; bytes?: Buffer }[] = [];
  let at = 0;
  const varint = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = message[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < message.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    switch (key % 8) {
      case 0:
        varint();
        fields.push({ field });
        break;
      case 1:
        at += 8;
        fields.push({ field });
        break;
      case 2: {
        const length = varint();
        fields.push({ field, bytes: message.subarray(at, at + length) });
        at += length;
        break;
      }
      case 5:
        at += 4;
        fields.push({ field });
        break;
      default:
        throw new Error(`unexpected protobuf wire type ${key % 8}`);
    }
  }
  return fields;
}

/** Splits a gRPC byte stream into its messages (5-byte prefix: compressed flag, length). */
function messageReader(onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 5) {
      if (pending[0] !== 0) throw new Error('compressed gRPC messages are not counted');
      const length = pending.readUInt32BE(1);
      if (pending.length < 5 + length) return;
      onMessage(pending.subarray(5, 5 + length));
      pending = pending.subarray(5 + length);
    }
  };
}

/** What one call counts, from its request and answer messages. */
interface CallCounter {
  readonly request: (message: Buffer) => void;
  readonly answer: (message: Buffer) => void;
  readonly end: () => void;
}

function counterFor(method: string, ops: FirestoreOps): CallCounter {
  let documents = 0;
  return {
    request: (message) => {
      const begins = NEW_TRANSACTION_FIELD.get(method);
      if (begins === 0 || (begins !== undefined && fieldsOf(message).some((f) => f.field === begins))) ops.transactions++;
      if (method !== 'Commit') return;
      ops.commits++;
      // CommitRequest.writes = 2; Write.delete = 2 (update = 1, transform = 6).
      for (const { field, bytes } of fieldsOf(message)) {
        if (field !== 2 || !bytes) continue;
        if (fieldsOf(bytes).some((f) => f.field === 2)) ops.deletes++;
        else ops.writes++;
      }
    },
    answer: (message) => {
      const fields = fieldsOf(message).map((f) => f.field);
      // GetDocument answers the Document; BatchGetDocumentsResponse: found = 1, missing = 2;
      // RunQueryResponse: document = 1.
      if (method === 'GetDocument') ops.reads++;
      else if (method === 'BatchGetDocuments' && (fields.includes(1) || fields.includes(2))) ops.reads++;
      else if (method === 'RunQuery' && fields.includes(1)) documents++;
    },
    end: () => {
      if (method === 'RunQuery') ops.reads += Math.max(1, documents); // an empty query bills one read
    },
  };
}

function withoutPseudo(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith(':')));
}

/** Starts the proxy on a free loopback port, forwarding to the emulator at `emulatorHost` (`HOST:PORT`). */
export async function startCountingProxy(emulatorHost: string): Promise<CountingProxy> {
  let ops = noOps();
  let upstream: ClientHttp2Session | undefined;
  const session = () => {
    if (!upstream || upstream.closed || upstream.destroyed) {
      upstream = http2.connect(`http://${emulatorHost}`);
      upstream.on('error', () => {}); // each stream reports its own failure
    }
    return upstream;
  };
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const path = String(headers[':path']);
    const method = path.startsWith(SERVICE) ? path.slice(SERVICE.length) : path;
    ops.calls[method] = (ops.calls[method] ?? 0) + 1;
    const counter = counterFor(method, ops);
    const up = session().request({ ':method': headers[':method'], ':path': path, ...withoutPseudo(headers) });
    const readRequest = messageReader(counter.request);
    const readAnswer = messageReader(counter.answer);
    stream.on('data', (chunk: Buffer) => {
      readRequest(chunk);
      up.write(chunk);
    });
    stream.on('end', () => up.end());
    stream.on('close', () => {
      if (!up.closed) up.close(http2.constants.NGHTTP2_CANCEL);
    });
    let trailers: OutgoingHttpHeaders = {};
    up.on('response', (answer: IncomingHttpHeaders & IncomingHttpStatusHeader, flags: number) => {
      if (stream.destroyed) return;
      // A trailers-only answer (a gRPC error) ends with its headers.
      if (flags & http2.constants.NGHTTP2_FLAG_END_STREAM) return stream.respond({ ...answer }, { endStream: true });
      stream.respond({ ...answer }, { waitForTrailers: true });
    });
    stream.on('wantTrailers', () => stream.sendTrailers(trailers));
    up.on('trailers', (t: IncomingHttpHeaders) => (trailers = withoutPseudo(t)));
    up.on('data', (chunk: Buffer) => {
      readAnswer(chunk);
      if (!stream.destroyed) stream.write(chunk);
    });
    up.on('end', () => {
      counter.end();
      if (!stream.destroyed && stream.headersSent && !stream.writableEnded) stream.end();
    });
    up.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    take() {
      const taken = ops;
      ops = noOps();
      return taken;
    },
    async close() {
      upstream?.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
