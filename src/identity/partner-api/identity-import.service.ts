import { Injectable } from '@nestjs/common';
import {
  closeSync,
  createReadStream,
  existsSync,
  ftruncateSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { EntityManager } from 'typeorm';
import { AppError, databaseErrorCode, isUniqueViolation } from '../../common/app-error';
import { query } from '../../database/sql';
import { TransactionService } from '../../database/transaction.service';
import { IdentitySettings, IdentitySettingsService } from '../identity-settings.service';
import { ProfileStore } from '../profile-store';
import {
  csvField,
  detectFormat,
  ImportFileError,
  ImportFormat,
  ImportRow,
  RecordSplitter,
  RowProblem,
  RowReader,
  SourceRecord,
} from './import-format';
import { Problems } from './partner-input';
import { planUpsert, UpsertPlan, UserFailure, userProblems } from './upsert-plan';
import { UpsertWriter } from './upsert-writer';

/** Rows per transaction (and per checkpoint). */
export const IMPORT_CHUNK_ROWS = 1000;
/** Attempts of a chunk that met a concurrent writer (a unique violation, a deadlock) before the import stops. */
const ATTEMPTS = 3;
const ERRORS_HEADER = 'line,field,message\n';

export interface ImportOptions {
  file: string;
  /** by the extension, or sniffed */
  format?: ImportFormat;
  /** where refused rows go: `line,field,message` (CSV) */
  errorsFile?: string;
  /** check every row (and against the database) but write nothing */
  dryRun?: boolean;
  /** continue an interrupted import after the last line its checkpoint names */
  resume?: boolean;
  /** default: `<file>.checkpoint` */
  checkpointFile?: string;
  /** after each chunk */
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportCounts {
  /** rows read (not counting those skipped by --resume) */
  rows: number;
  /** rows written (or, in a dry run, that would be) */
  imported: number;
  created: number;
  updated: number;
  refused: number;
}

export interface ImportProgress extends ImportCounts {
  /** rows this run read (the counts include those of the interrupted run it resumes) */
  rowsThisRun: number;
  bytesRead: number;
  totalBytes: number;
  line: number;
}

export interface ImportSummary extends ImportCounts {
  /** rows this run read (the counts include those of the interrupted run it resumes) */
  rowsThisRun: number;
  format: ImportFormat;
  dryRun: boolean;
  /** --resume: the last line the interrupted import had committed */
  resumedAfterLine: number | null;
  /** statistics refreshed (PostgreSQL) */
  analyzed: boolean;
  /** the first refused rows, for a summary without --errors */
  firstProblems: { line: number; field: string; message: string }[];
  checkpointFile: string;
}

/** What an interrupted import leaves: the last committed line, for --resume. */
interface Checkpoint {
  version: 1;
  file: string;
  size: number;
  mtimeMs: number;
  format: ImportFormat;
  line: number;
  counts: ImportCounts;
  errorsFile: string | null;
  errorsBytes: number;
}

/**
 * `identities:import FILE`: a CSV or JSON Lines file of profiles, with `/upsert`'s rules (its parser,
 * planner and writer: upsert-plan.ts, UpsertWriter), streamed in transactions of 1,000 rows. A refused
 * row goes to the errors file (line, field, message); the others are written. After each committed
 * chunk a checkpoint file names the last line, so `--resume` continues after an interruption; it is
 * removed when the import ends. A dry run checks every row, against the database too, and writes
 * nothing.
 */
@Injectable()
export class IdentityImportService {
  constructor(
    private readonly tx: TransactionService,
    private readonly writer: UpsertWriter,
    private readonly store: ProfileStore,
    private readonly settingsService: IdentitySettingsService,
  ) {}

  async run(options: ImportOptions): Promise<ImportSummary> {
    const file = resolvePath(options.file);
    const stat = fileStat(file);
    const checkpointFile = resolvePath(options.checkpointFile ?? `${options.file}.checkpoint`);
    const dryRun = options.dryRun ?? false;
    const format = options.format ?? detectFormat(file, head(file));
    const checkpoint = this.startingPoint(options, file, stat, format, checkpointFile);
    const counts: ImportCounts = checkpoint
      ? { ...checkpoint.counts }
      : { rows: 0, imported: 0, created: 0, updated: 0, refused: 0 };
    const errors = new ErrorsFile(options.errorsFile ? resolvePath(options.errorsFile) : null, checkpoint);
    const firstProblems: ImportSummary['firstProblems'] = [];
    const settings = await this.settingsService.get();
    const reader = new RowReader(format, settings);
    const splitter = new RecordSplitter(format === 'csv');
    const skipUntil = checkpoint?.line ?? 0;
    const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 });
    let chunk: ImportRow[] = [];
    // statistics refreshed each time this import has doubled the profiles it created (1,000, 2,000, …)
    let analyzeAt = IMPORT_CHUNK_ROWS;

    /** Counts, errors and the checkpoint of a chunk written (in file order). */
    const record = async (rows: ImportRow[], outcome: ChunkOutcome) => {
      const lastLine = rows[rows.length - 1].line;
      counts.rows += rows.length;
      counts.imported += rows.length - outcome.refusedRows;
      counts.created += outcome.created;
      counts.updated += rows.length - outcome.refusedRows - outcome.created;
      counts.refused += outcome.refusedRows;
      for (const problem of outcome.refused) if (firstProblems.length < 10) firstProblems.push(problem);
      if (!dryRun && this.tx.isPostgres && counts.created >= analyzeAt) {
        await this.store.analyze(this.tx.manager);
        analyzeAt = counts.created * 2;
      }
      errors.append(outcome.refused);
      if (!dryRun) {
        writeCheckpoint(checkpointFile, {
          version: 1,
          file,
          size: stat.size,
          mtimeMs: stat.mtimeMs,
          format,
          line: lastLine,
          counts,
          errorsFile: errors.path,
          errorsBytes: errors.bytes,
        });
      }
      options.onProgress?.({
        ...counts,
        rowsThisRun: counts.rows - (checkpoint?.counts.rows ?? 0),
        bytesRead: stream.bytesRead,
        totalBytes: stat.size,
        line: lastLine,
      });
    };
    // One chunk is written while the next is read and planned; writes (and checkpoints) stay in order.
    let writing: Promise<void> = Promise.resolve();
    const flush = async () => {
      if (!chunk.length) return;
      const rows = chunk;
      chunk = [];
      const planned = planChunk(rows, settings);
      await writing;
      writing = this.writePlanned(planned, dryRun).then((outcome) => record(rows, outcome));
      // a failure is thrown where `writing` is awaited (the next chunk, or the end), not as unhandled
      writing.catch(() => undefined);
    };
    const take = async (records: SourceRecord[]) => {
      for (const record of records) {
        if (reader.needsHeader) {
          reader.readHeader(record);
          continue;
        }
        if (record.line <= skipUntil) continue;
        chunk.push(reader.row(record));
        if (chunk.length >= IMPORT_CHUNK_ROWS) await flush();
      }
    };

    try {
      for await (const text of stream) await take(splitter.push(text as string));
      const last = splitter.end();
      if (splitter.unclosedQuote && last.length) {
        const { line } = last[last.length - 1];
        chunk.push({ line, problems: [{ field: '', message: 'a quoted field is not closed at the end of the file' }] });
      } else await take(last);
      await flush();
      await writing;
    } catch (e) {
      if (e instanceof ImportFileError) throw AppError.badInput(`${options.file}: ${e.message}`);
      throw e;
    } finally {
      stream.destroy();
      errors.close();
    }
    if (reader.needsHeader) throw AppError.badInput(`${options.file} is empty: a CSV file needs a header row`);

    let analyzed = false;
    if (!dryRun) {
      if (counts.imported > 0 && this.tx.isPostgres) {
        await this.store.analyze(this.tx.manager);
        analyzed = true;
      }
      rmSync(checkpointFile, { force: true });
    }
    return {
      ...counts,
      rowsThisRun: counts.rows - (checkpoint?.counts.rows ?? 0),
      format,
      dryRun,
      resumedAfterLine: checkpoint?.line ?? null,
      analyzed,
      firstProblems,
      checkpointFile,
    };
  }

  /** The checkpoint to resume from (--resume), or null; refuses a start that would ignore one. */
  private startingPoint(
    options: ImportOptions,
    file: string,
    stat: { size: number; mtimeMs: number },
    format: ImportFormat,
    checkpointFile: string,
  ): Checkpoint | null {
    if (options.resume && options.dryRun) throw AppError.badInput('--resume and --dry-run do not go together');
    if (!options.resume) {
      if (!options.dryRun && existsSync(checkpointFile)) {
        const line = readCheckpoint(checkpointFile).line;
        throw AppError.badInput(
          `an interrupted import of this file left ${checkpointFile} (committed up to line ${line.toLocaleString('en-US')}): ` +
            'add --resume to continue it, or delete that file to start over',
        );
      }
      return null;
    }
    if (!existsSync(checkpointFile)) {
      throw AppError.badInput(`nothing to resume: there is no checkpoint ${checkpointFile}; run without --resume`);
    }
    const checkpoint = readCheckpoint(checkpointFile);
    if (checkpoint.file !== file || checkpoint.size !== stat.size || checkpoint.mtimeMs !== stat.mtimeMs) {
      throw AppError.badInput(
        `${options.file} is not the file the checkpoint ${checkpointFile} was written for (or it changed since): ` +
          'delete the checkpoint and import it again without --resume',
      );
    }
    if (checkpoint.format !== format) {
      throw AppError.badInput(`the interrupted import read ${options.file} as ${checkpoint.format}, not ${format}`);
    }
    const errorsFile = options.errorsFile ? resolvePath(options.errorsFile) : null;
    if (checkpoint.errorsFile !== errorsFile) {
      throw AppError.badInput(
        checkpoint.errorsFile
          ? `the interrupted import wrote its refused rows to ${checkpoint.errorsFile}: resume with --errors ${checkpoint.errorsFile}`
          : 'the interrupted import had no --errors file: resume without --errors',
      );
    }
    return checkpoint;
  }

  /**
   * A planned chunk read and written in one transaction (retried when it met a concurrent writer); a
   * dry run reads, and writes nothing. The refused rows: those of the plan, and those the database refused.
   */
  private async writePlanned(chunk: PlannedChunk, dryRun: boolean): Promise<ChunkOutcome> {
    const { plans, planned, fieldOf } = chunk;
    let failures = new Map(planned);
    let created = 0;
    if (dryRun) {
      const batch = await this.writer.prepare(this.tx.manager, plans, failures);
      created =
        batch.ready.filter((r) => !r.profileId).length +
        batch.oneByOne.filter((plan) => !batch.targets.get(plan) && !failures.has(plan.index)).length;
    } else {
      for (let attempt = 1; ; attempt++) {
        failures = new Map(planned);
        try {
          const written = await this.tx.run((manager) => this.writeChunk(manager, plans, failures));
          this.store.rememberNames(written.names);
          created = written.created;
          break;
        } catch (e) {
          if (attempt >= ATTEMPTS || !isConcurrencyError(e)) throw e;
        }
      }
    }
    const refused = [...chunk.refused];
    for (const [line, problems] of failures) {
      const name = fieldOf.get(line) ?? ((path: string) => path);
      for (const [path, messages] of Object.entries(problems.byPath)) {
        const relative = path.replace(/^users\.\d+\.?/, '');
        for (const message of messages) refused.push({ line, field: name(relative, message), message });
      }
    }
    refused.sort((a, b) => a.line - b.line);
    return { refused, created, refusedRows: new Set(refused.map((r) => r.line)).size };
  }

  /**
   * A chunk's writes in one transaction: the standalone users together, the others one by one (each in a
   * savepoint), then the names new to the catalogue (as /upsert records them: last).
   */
  private async writeChunk(manager: EntityManager, plans: UpsertPlan[], failures: Map<number, Problems>) {
    const batch = await this.writer.prepare(manager, plans, failures);
    const { names } = await this.writer.writeTogether(manager, batch.ready);
    let created = batch.ready.filter((r) => !r.profileId).length;
    for (const plan of batch.oneByOne) {
      await query(manager, 'SAVEPOINT import_user');
      try {
        const written = await this.writer.writeOne(manager, plan);
        await query(manager, 'RELEASE SAVEPOINT import_user');
        if (written.created) created++;
        names.push(...written.names);
      } catch (e) {
        await query(manager, 'ROLLBACK TO SAVEPOINT import_user');
        if (!(e instanceof UserFailure)) throw e;
        failures.set(plan.index, e.problems);
      }
    }
    return { created, names: await this.writer.recordNames(manager, names) };
  }
}

type Refusal = { line: number; field: string; message: string };

/** A chunk's rows as /upsert plans, with the rows refused before any database work. */
interface PlannedChunk {
  plans: UpsertPlan[];
  /** rows /upsert's planner refused, by line */
  planned: Map<number, Problems>;
  /** how each row names its fields (its columns) */
  fieldOf: Map<number, (path: string, message: string) => string>;
  /** rows the file itself made unreadable */
  refused: Refusal[];
}

interface ChunkOutcome {
  refused: Refusal[];
  created: number;
  refusedRows: number;
}

/** Each row of a chunk planned with /upsert's rules (its line is its index: problems are keyed by line). */
function planChunk(rows: readonly ImportRow[], settings: IdentitySettings): PlannedChunk {
  const chunk: PlannedChunk = { plans: [], planned: new Map(), fieldOf: new Map(), refused: [] };
  for (const row of rows) {
    if ('problems' in row) {
      chunk.refused.push(...row.problems.map((p: RowProblem) => ({ line: row.line, ...p })));
      continue;
    }
    chunk.fieldOf.set(row.line, row.fieldOf);
    try {
      chunk.plans.push(planUpsert(row.user, row.line, settings, undefined));
    } catch (e) {
      chunk.planned.set(row.line, userProblems(e, row.line));
    }
  }
  return chunk;
}

/** A write that met a concurrent one: worth another attempt of the chunk. */
function isConcurrencyError(e: unknown): boolean {
  const code = databaseErrorCode(e);
  return isUniqueViolation(e) || code === '40001' || code === '40P01' || code === 'SQLITE_BUSY';
}

function fileStat(file: string) {
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw AppError.badInput(`${file} is not a file`);
    return stat;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw AppError.badInput(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** The first bytes of a file, to sniff its format. */
function head(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    return buffer.toString('utf8', 0, readSync(fd, buffer, 0, buffer.length, 0));
  } finally {
    closeSync(fd);
  }
}

function readCheckpoint(file: string): Checkpoint {
  try {
    const checkpoint = JSON.parse(readFileSync(file, 'utf8')) as Checkpoint;
    if (checkpoint.version !== 1 || typeof checkpoint.line !== 'number') throw new Error('unknown version');
    return checkpoint;
  } catch (e) {
    throw AppError.badInput(`the checkpoint ${file} cannot be read (${(e as Error).message}): delete it to start over`);
  }
}

/** Written whole or not at all (a new file renamed over the old one). */
function writeCheckpoint(file: string, checkpoint: Checkpoint): void {
  const temporary = `${file}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(checkpoint)}\n`);
  renameSync(temporary, file);
}

/** The errors file: `line,field,message`, appended after each chunk; on --resume cut back to the checkpoint's size. */
class ErrorsFile {
  private fd: number | null = null;
  bytes = 0;

  constructor(
    readonly path: string | null,
    checkpoint: Checkpoint | null,
  ) {
    if (!path) return;
    try {
      if (checkpoint) {
        this.fd = openSync(path, 'r+');
        ftruncateSync(this.fd, checkpoint.errorsBytes);
        this.bytes = checkpoint.errorsBytes;
      } else {
        this.fd = openSync(path, 'w');
        this.write(ERRORS_HEADER);
      }
    } catch (e) {
      throw AppError.badInput(`cannot write the errors file ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
  }

  append(problems: readonly { line: number; field: string; message: string }[]): void {
    if (this.fd === null || !problems.length) return;
    this.write(problems.map((p) => `${p.line},${csvField(p.field)},${csvField(p.message)}\n`).join(''));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private write(text: string): void {
    const buffer = Buffer.from(text);
    writeSync(this.fd!, buffer, 0, buffer.length, this.bytes);
    this.bytes += buffer.length;
  }
}
