import { Presets, SingleBar } from 'cli-progress';

/** How progress is shown: a bar on a terminal, else a line every `everyMs` (logs, CI, cron). */
export interface ProgressOptions {
  stream: NodeJS.WriteStream;
  everyMs: number;
}

const count = (n: number) => n.toLocaleString('en-US');

/**
 * A long command's progress on standard error (standard output keeps the result): a cli-progress bar
 * when standard error is a terminal, otherwise one line every few seconds.
 */
export class Progress {
  private readonly bar?: SingleBar;
  private readonly started = Date.now();
  private lastLine = Date.now();

  constructor(
    private readonly options: ProgressOptions,
    label: string,
    total: number,
    unit: string,
  ) {
    if (options.stream.isTTY) {
      this.bar = new SingleBar(
        {
          stream: options.stream,
          format: `${label} [{bar}] {percentage}% | {done} ${unit} | {rate} ${unit}/s | {detail} | ETA {eta_formatted}`,
          hideCursor: true,
          etaBuffer: 50,
        },
        Presets.shades_classic,
      );
      this.bar.start(Math.max(total, 1), 0, { done: '0', rate: '0', detail: '' });
    }
  }

  /** `value` of the total; `done` items so far; `detail` what else to say; `line` the text of a progress line. */
  update(value: number, done: number, detail: string, line: () => string): void {
    const rate = count(Math.round(done / Math.max((Date.now() - this.started) / 1000, 0.001)));
    if (this.bar) {
      this.bar.update(value, { done: count(done), rate, detail });
      return;
    }
    if (Date.now() - this.lastLine < this.options.everyMs) return;
    this.lastLine = Date.now();
    this.options.stream.write(`progress: ${line()}, ${rate}/s\n`);
  }

  stop(): void {
    this.bar?.stop();
  }
}
