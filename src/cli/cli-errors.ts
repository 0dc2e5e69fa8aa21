/** A command's flags: `--name value` → `{ name: 'value' }`, `--switch` → `{ switch: true }`. */
export type Flags = Record<string, string | true>;

/** A command line that does not fit the command: its usage is printed, exit code 2. */
export class CliUsageError extends Error {}

/** Ctrl-C at a prompt: exit code 130, as a shell reports SIGINT. */
export class CliInterrupted extends Error {
  constructor() {
    super('interrupted');
  }
}
