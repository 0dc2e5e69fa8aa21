import { AddressInfo } from 'node:net';
import { SMTPServer, SMTPServerAddress, SMTPServerDataStream } from 'smtp-server';

/** A mail as the test SMTP server received it, with the parts a test asserts on. */
export interface ReceivedMail {
  envelope: { from: string; to: string[] };
  /** the message exactly as received (CRLF line ends) */
  raw: string;
  /** top-level headers, names lower-cased, folded lines joined, encoded words decoded */
  headers: Record<string, string>;
  subject: string;
  from: string;
  to: string;
  messageId: string;
  /** the decoded text/plain and text/html parts (LF line ends) */
  text?: string;
  html?: string;
}

export interface TestSmtpOptions {
  /** require AUTH with these credentials (over plain SMTP, as a local relay would) */
  auth?: { user: string; pass: string };
  /** recipients refused with a permanent 550 */
  rejectRecipients?: string[];
}

/**
 * An SMTP server in the test process, on a free port of 127.0.0.1, collecting what it receives.
 * `stop()` takes it down (connections refused) and `restart()` brings it back on the same port;
 * `hold()` makes it accept a message's data but not answer until `release()`.
 */
export class TestSmtp {
  readonly mails: ReceivedMail[] = [];
  port = 0;
  /** how many messages have started arriving (DATA received), answered or not */
  dataStarted = 0;
  private server: SMTPServer | null = null;
  private gate: { promise: Promise<void>; open: () => void } | null = null;
  private waiters: Array<() => void> = [];

  private constructor(private readonly options: TestSmtpOptions) {}

  static async start(options: TestSmtpOptions = {}): Promise<TestSmtp> {
    const smtp = new TestSmtp(options);
    await smtp.listen(0);
    return smtp;
  }

  /** `smtp://127.0.0.1:<port>`, with the credentials when AUTH is required. */
  get url(): string {
    const auth = this.options.auth
      ? `${encodeURIComponent(this.options.auth.user)}:${encodeURIComponent(this.options.auth.pass)}@`
      : '';
    return `smtp://${auth}127.0.0.1:${this.port}`;
  }

  /** The URL with other credentials (e.g. a wrong password). */
  urlWith(user: string, pass: string): string {
    return `smtp://${encodeURIComponent(user)}:${encodeURIComponent(pass)}@127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.server !== null;
  }

  /** Takes the server down: new connections are refused. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Brings the server back on the same port. */
  async restart(): Promise<void> {
    if (!this.server) await this.listen(this.port);
  }

  /** From now on a message's data is taken but not answered until release(). */
  hold(): void {
    let open!: () => void;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.gate = { promise, open };
  }

  release(): void {
    this.gate?.open();
    this.gate = null;
  }

  /** Resolves once `count` mails (in all) have been received, or throws after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.mails.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} mails, received ${this.mails.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.mails;
  }

  async close(): Promise<void> {
    this.release();
    await this.stop();
  }

  private listen(port: number): Promise<void> {
    const { auth, rejectRecipients = [] } = this.options;
    const server = new SMTPServer({
      secure: false,
      disabledCommands: auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
      authOptional: !auth,
      allowInsecureAuth: true,
      logger: false,
      closeTimeout: 200,
      onAuth: (session, _s, callback) => {
        if (auth && session.username === auth.user && session.password === auth.pass) {
          callback(null, { user: session.username });
        } else {
          callback(Object.assign(new Error('Authentication failed'), { responseCode: 535 }));
        }
      },
      onRcptTo: (address: SMTPServerAddress, _s, callback) => {
        if (rejectRecipients.includes(address.address)) {
          callback(Object.assign(new Error(`<${address.address}>: no such mailbox`), { responseCode: 550 }));
        } else {
          callback();
        }
      },
      onData: (stream: SMTPServerDataStream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          this.dataStarted++;
          const raw = Buffer.concat(chunks).toString('utf8');
          const envelope = {
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
          };
          const gate = this.gate?.promise ?? Promise.resolve();
          void gate.then(() => {
            this.mails.push({ envelope, raw, ...parseMessage(raw) });
            for (const wake of this.waiters.splice(0)) wake();
            callback();
          });
        });
      },
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        this.port = (server.server.address() as AddressInfo).port;
        resolve();
      });
    });
  }
}

interface Part {
  headers: Record<string, string>;
  body: string;
}

function splitPart(raw: string): Part {
  const end = raw.indexOf('\r\n\r\n');
  const head = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? '' : raw.slice(end + 4);
  const headers: Record<string, string> = {};
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!(name in headers)) headers[name] = decodeWords(line.slice(colon + 1).trim());
  }
  return { headers, body };
}

/** RFC 2047 encoded words (=?UTF-8?Q?…?= / =?UTF-8?B?…?=). */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([QqBb])\?([^?]*)\?=/g, (_m, _charset: string, encoding: string, text: string) =>
      encoding.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

function decodeQuotedPrintable(text: string): string {
  const bytes: number[] = [];
  const input = text.replace(/=\r?\n/g, '');
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(input.slice(i + 1, i + 3))) {
      bytes.push(parseInt(input.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function decodeBody(part: Part): string {
  const encoding = (part.headers['content-transfer-encoding'] ?? '7bit').toLowerCase();
  const body =
    encoding === 'base64'
      ? Buffer.from(part.body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? decodeQuotedPrintable(part.body)
        : part.body;
  return body.replace(/\r\n/g, '\n');
}

/** The text and HTML parts of a (possibly multipart) message. */
function collectParts(part: Part, out: { text?: string; html?: string }): void {
  const type = part.headers['content-type'] ?? 'text/plain';
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    for (const chunk of part.body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      collectParts(splitPart(chunk.replace(/^\r\n/, '')), out);
    }
  } else if (/^text\/html/i.test(type)) {
    out.html ??= decodeBody(part);
  } else if (/^text\/plain/i.test(type)) {
    out.text ??= decodeBody(part);
  }
}

export function parseMessage(raw: string): Omit<ReceivedMail, 'envelope' | 'raw'> {
  const top = splitPart(raw);
  const parts: { text?: string; html?: string } = {};
  collectParts(top, parts);
  return {
    headers: top.headers,
    subject: top.headers.subject ?? '',
    from: top.headers.from ?? '',
    to: top.headers.to ?? '',
    messageId: top.headers['message-id'] ?? '',
    ...parts,
  };
}
