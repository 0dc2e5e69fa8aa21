import { CliInterrupted, CliUsageError, Flags } from './cli-errors';

/** Where a password is read from and the prompt is written to (the process's, or a test's). */
export interface PasswordIo {
  stdin: NodeJS.ReadableStream & {
    isTTY?: boolean;
    isRaw?: boolean;
    setRawMode?: (raw: boolean) => unknown;
    unshift(chunk: string): void;
  };
  stderr: NodeJS.WritableStream;
}

const PROCESS_IO: PasswordIo = { stdin: process.stdin, stderr: process.stderr };

/**
 * A command's password, never required on the command line: `--password-stdin` (the first line of
 * standard input, e.g. from a secret manager), else a prompt without echo when standard input is a
 * terminal (asked twice when `confirm`). `--password P` is still accepted, with a warning: the shell
 * history, the process list and `npm run`'s own echo of the command all show it.
 */
export async function readPassword(flags: Flags, confirm: boolean, io: PasswordIo = PROCESS_IO): Promise<string> {
  if (typeof flags.password === 'string') {
    io.stderr.write(
      "warning: --password shows the password in the shell history, the process list and npm run's echo of the command; " +
        'prefer the prompt or --password-stdin\n',
    );
    return flags.password;
  }
  if (flags.password === true)
    throw new CliUsageError('--password needs a value (better: leave it out to be prompted)');
  if (flags['password-stdin']) {
    const text = await readAll(io.stdin);
    const password = text.replace(/\r?\n$/, '');
    if (!password) throw new CliUsageError('--password-stdin: standard input is empty');
    return password;
  }
  if (!io.stdin.isTTY || !io.stdin.setRawMode) {
    throw new CliUsageError('no password: run it on a terminal to be prompted, or pipe it in with --password-stdin');
  }
  const password = await promptHidden('Password: ', io);
  if (!password) throw new CliUsageError('no password given');
  if (confirm && (await promptHidden('Password again: ', io)) !== password) {
    throw new CliUsageError('the two passwords differ');
  }
  return password;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return text;
}

/** Reads a line from a terminal in raw mode, echoing nothing. Ctrl-C interrupts, backspace edits. */
export function promptHidden(question: string, io: PasswordIo): Promise<string> {
  const input = io.stdin;
  return new Promise((resolve, reject) => {
    // raw mode (no echo) before the question: an answer typed as soon as it shows is never echoed
    const wasRaw = input.isRaw ?? false;
    input.setRawMode!(true);
    io.stderr.write(question);
    input.setEncoding('utf8');
    input.resume();
    let value = '';
    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode!(wasRaw);
      input.pause();
      io.stderr.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: string | Buffer) => {
      const chars = Array.from(String(chunk));
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i];
        if (ch === '\r' || ch === '\n') {
          // what was typed after Enter (a second answer, pasted) is for the next prompt
          const rest = chars.slice(i + 1).join('');
          finish();
          if (rest) input.unshift(rest);
          return;
        }
        if (ch === '\u0003') return finish(new CliInterrupted());
        if (ch === '\u0004') return finish(value ? undefined : new CliUsageError('no password given'));
        if (ch === '\u007f' || ch === '\b') value = Array.from(value).slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    };
    input.on('data', onData);
  });
}
