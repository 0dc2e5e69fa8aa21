import { extname } from 'node:path';
import { DEFAULT_IDENTIFIER_TYPES } from '../identity-codec';
import { IdentitySettings } from '../identity-settings.service';
import { canonicalAttribute, DEFAULT_ATTRIBUTES, parseAttributes } from './partner-attributes';
import { isObject, Json, JsonObject, Problems } from './partner-input';

/**
 * The files `identities:import` reads, turned into `/upsert` users (the pure part: no I/O).
 *
 * - CSV with a header row (RFC 4180: commas, "quoted" fields with "" for a quote, line breaks inside
 *   quotes, CRLF or LF, an optional BOM).
 * - JSON Lines: one object per line, either a flat row like a CSV row (typed JSON values), or a user
 *   exactly as `/upsert`'s `users` items are (`identifiers`, `attributes`, `events`, …; what
 *   `identities:export` writes).
 *
 * A flat row's columns: `email`, `phone_number`, `uuid` (identifiers while they are enabled identifier
 * types, contact attributes otherwise), the custom identifiers of the identity settings, `insider_id`,
 * Insider's default attributes (`locale` is `lo`), and any other name a custom attribute (`custom.<name>` forces one). An empty CSV
 * cell or a JSON null leaves the field out. CSV cells of typed default attributes are converted: `age`
 * a whole number, the opt-ins true/false (or 1/0), `list_id` / `static_segment_id` numbers separated by
 * `;` (or a JSON array); a cell that does not convert is passed as text, and `/upsert` says what is
 * wrong with it.
 */

export type ImportFormat = 'csv' | 'jsonl';
export const IMPORT_FORMATS: readonly ImportFormat[] = ['csv', 'jsonl'];

/** A file that cannot be imported at all (a bad header): nothing is imported. */
export class ImportFileError extends Error {}

/** The format by the file's extension, or else by its first character (`{`: JSON Lines). */
export function detectFormat(path: string, head: string): ImportFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  return head
    .replace(/^\uFEFF/, '')
    .trimStart()
    .startsWith('{')
    ? 'jsonl'
    : 'csv';
}

// ---- records ------------------------------------------------------------------------------------

/** One record of a file: its text and the line it starts on (1-based). */
export interface SourceRecord {
  line: number;
  text: string;
}

const LF = 10;
const CR = 13;
const QUOTE = 34;
const COMMA = 44;

/**
 * Splits a stream of text into records, a chunk at a time (nothing but the unfinished record is kept):
 * lines, or for CSV lines outside quotes. Blank records are skipped (their lines still count).
 */
export class RecordSplitter {
  private buffer = '';
  private scanned = 0;
  private inQuotes = false;
  /** the line the buffered record starts on */
  private line = 1;
  /** line breaks inside the buffered record (in quotes) */
  private breaks = 0;
  private first = true;

  constructor(private readonly quoted: boolean) {}

  push(chunk: string): SourceRecord[] {
    if (this.first) {
      chunk = chunk.replace(/^\uFEFF/, '');
      this.first = false;
    }
    this.buffer = this.buffer ? this.buffer + chunk : chunk;
    const out: SourceRecord[] = [];
    const text = this.buffer;
    let start = 0;
    for (let i = this.scanned; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE && this.quoted) this.inQuotes = !this.inQuotes;
      else if (c === LF) {
        this.breaks++;
        if (this.inQuotes) continue;
        this.emit(out, text.slice(start, i));
        this.line += this.breaks;
        this.breaks = 0;
        start = i + 1;
      }
    }
    this.buffer = text.slice(start);
    this.scanned = this.buffer.length;
    return out;
  }

  /** The last record (a file need not end with a line break). */
  end(): SourceRecord[] {
    const out: SourceRecord[] = [];
    this.emit(out, this.buffer);
    this.buffer = '';
    return out;
  }

  /** Whether the file ended inside a quoted field. */
  get unclosedQuote(): boolean {
    return this.inQuotes;
  }

  private emit(out: SourceRecord[], raw: string) {
    const text = raw.charCodeAt(raw.length - 1) === CR ? raw.slice(0, -1) : raw;
    if (text.trim() !== '') out.push({ line: this.line, text });
  }
}

/** The cells of a CSV record, or what is wrong with it. */
export function csvCells(text: string): string[] | string {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === QUOTE) {
      let value = '';
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) return 'a quoted field is not closed';
        value += text.slice(i, q);
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      cells.push(value);
      if (i >= text.length) return cells;
      if (text.charCodeAt(i) !== COMMA) return 'a quoted field must be followed by a comma or the end of the row';
      i++;
    } else {
      const comma = text.indexOf(',', i);
      if (comma < 0) {
        cells.push(text.slice(i));
        return cells;
      }
      cells.push(text.slice(i, comma));
      i = comma + 1;
    }
  }
}

/** A CSV field as the errors file writes it (quoted when it needs to be). */
export function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// ---- rows → /upsert users -------------------------------------------------------------------------

/** What is wrong with one row: the column (or `/upsert` path) and the message. */
export interface RowProblem {
  field: string;
  message: string;
}

/** A row of the file: an `/upsert` user (and how to name its fields), or why it cannot be one. */
export type ImportRow =
  | { line: number; user: JsonObject; fieldOf: (path: string, message: string) => string }
  | { line: number; problems: RowProblem[] };

type AttributeKind = (typeof DEFAULT_ATTRIBUTES)[string];

type Destination =
  | { to: 'insider_id' }
  | { to: 'identifier'; name: string; custom: boolean }
  | { to: 'attribute'; name: string; kind?: AttributeKind }
  | { to: 'custom'; name: string };

const IDENTIFIER_TYPES = new Set<string>(DEFAULT_IDENTIFIER_TYPES);
const CUSTOM_PREFIX = 'custom.';

/** Where a flat row's column goes, or what is wrong with its name. */
function destinationOf(column: string, settings: IdentitySettings): Destination | string {
  if (column === 'insider_id') return { to: 'insider_id' };
  const forced = column.startsWith(CUSTOM_PREFIX);
  const name = forced ? column.slice(CUSTOM_PREFIX.length) : column;
  if (!forced) {
    if (IDENTIFIER_TYPES.has(name)) {
      return settings.enabledIdentifiers.includes(name)
        ? { to: 'identifier', name, custom: false }
        : { to: 'attribute', name };
    }
    if (settings.customIdentifiers.includes(name)) return { to: 'identifier', name, custom: true };
    // a default attribute, or another name of one (locale: lo), which /upsert takes as sent
    const kind = DEFAULT_ATTRIBUTES[canonicalAttribute(name)];
    if (kind) return { to: 'attribute', name, kind };
  }
  // the custom-attribute name rule is /upsert's: ask its parser
  const problems = new Problems();
  parseAttributes({ custom: { [name]: '' } }, 'a', problems);
  const problem = Object.values(problems.byPath)[0]?.[0];
  return problem ? `column "${column}": ${problem}` : { to: 'custom', name };
}

/** A CSV cell of a typed default attribute as its type, when it converts (else the text, for /upsert to refuse). */
function convertCell(kind: AttributeKind | undefined, text: string): Json {
  const t = text.trim();
  switch (kind) {
    case 'integer':
      return /^[+-]?\d{1,15}$/.test(t) ? Number(t) : text;
    case 'boolean': {
      const lower = t.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      return text;
    }
    case 'number-array': {
      if (t.startsWith('[')) {
        try {
          const parsed = JSON.parse(t) as Json;
          return Array.isArray(parsed) ? parsed : text;
        } catch {
          return text;
        }
      }
      const items = t.split(';').map((s) => s.trim());
      return items.every((s) => s !== '' && Number.isFinite(Number(s))) ? items.map(Number) : text;
    }
    default:
      return text;
  }
}

/** A flat row as an /upsert user, and the column each /upsert path came from. */
function flatUser(
  line: number,
  fields: readonly [column: string, destination: Destination, value: Json][],
  convert: boolean,
): ImportRow {
  const identifiers: JsonObject = {};
  const customIdentifiers: JsonObject = {};
  const attributes: JsonObject = {};
  const customAttributes: JsonObject = {};
  const user: JsonObject = {};
  const columns = new Map<string, string>();
  const identifierColumns: string[] = [];
  for (const [column, destination, value] of fields) {
    if (value === null || value === '') continue;
    switch (destination.to) {
      case 'insider_id':
        user.insider_id = value;
        columns.set('insider_id', column);
        break;
      case 'identifier':
        (destination.custom ? customIdentifiers : identifiers)[destination.name] = value;
        identifierColumns.push(column);
        break;
      case 'attribute':
        attributes[destination.name] =
          convert && typeof value === 'string' ? convertCell(destination.kind, value) : value;
        columns.set(`attributes.${destination.name}`, column);
        break;
      case 'custom':
        customAttributes[destination.name] = value;
        columns.set(`attributes.custom.${destination.name}`, column);
        break;
    }
  }
  if (Object.keys(customIdentifiers).length) identifiers.custom = customIdentifiers;
  if (Object.keys(identifiers).length) user.identifiers = identifiers;
  if (Object.keys(customAttributes).length) attributes.custom = customAttributes;
  if (Object.keys(attributes).length) user.attributes = attributes;
  const fieldOf = (path: string, message: string) => {
    if (path === 'identifiers') {
      // /upsert names the identifier when a user has several ("email: not a valid email address")
      const named = identifierColumns.find((c) => message.startsWith(`${c}: `));
      return named ?? (identifierColumns.length === 1 ? identifierColumns[0] : 'identifiers');
    }
    return columns.get(path) ?? path;
  };
  return { line, user, fieldOf };
}

/** Turns the records of a file into rows (the header first, for CSV). */
export class RowReader {
  private header?: { column: string; destination: Destination }[];

  constructor(
    readonly format: ImportFormat,
    private readonly settings: IdentitySettings,
  ) {}

  /** Whether the next record is the CSV header (read with `readHeader`). */
  get needsHeader(): boolean {
    return this.format === 'csv' && !this.header;
  }

  /** The CSV header: every column must name something; an ImportFileError otherwise. */
  readHeader(record: SourceRecord): string[] {
    const cells = csvCells(record.text);
    if (typeof cells === 'string') throw new ImportFileError(`line ${record.line} (the header): ${cells}`);
    const columns = cells.map((c) => c.trim());
    const problems: string[] = [];
    const seen = new Set<string>();
    const header: { column: string; destination: Destination }[] = [];
    columns.forEach((column, i) => {
      if (column === '') problems.push(`column ${i + 1} has no name`);
      else if (seen.has(column)) problems.push(`column "${column}" appears twice`);
      else {
        seen.add(column);
        const destination = destinationOf(column, this.settings);
        if (typeof destination === 'string') problems.push(destination);
        else header.push({ column, destination });
      }
    });
    if (!header.some((h) => h.destination.to === 'identifier' || h.destination.to === 'insider_id')) {
      problems.push(
        `no identifier column: give email, phone_number or uuid (enabled: ${this.settings.enabledIdentifiers.join(', ') || 'none'})` +
          (this.settings.customIdentifiers.length
            ? `, a custom identifier (${this.settings.customIdentifiers.join(', ')})`
            : '') +
          ', or insider_id',
      );
    }
    if (problems.length) throw new ImportFileError(`the header (line ${record.line}): ${problems.join('; ')}`);
    this.header = header;
    return columns;
  }

  row(record: SourceRecord): ImportRow {
    return this.format === 'csv' ? this.csvRow(record) : this.jsonRow(record);
  }

  private csvRow(record: SourceRecord): ImportRow {
    const cells = csvCells(record.text);
    const header = this.header!;
    if (typeof cells === 'string') return { line: record.line, problems: [{ field: '', message: cells }] };
    if (cells.length !== header.length) {
      return {
        line: record.line,
        problems: [
          {
            field: '',
            message: `the row has ${cells.length} ${cells.length === 1 ? 'field' : 'fields'}, the header ${header.length}`,
          },
        ],
      };
    }
    return flatUser(
      record.line,
      header.map((h, i) => [h.column, h.destination, cells[i]]),
      true,
    );
  }

  private jsonRow(record: SourceRecord): ImportRow {
    let value: Json;
    try {
      value = JSON.parse(record.text) as Json;
    } catch (e) {
      return { line: record.line, problems: [{ field: '', message: `not valid JSON: ${(e as Error).message}` }] };
    }
    if (!isObject(value)) {
      return { line: record.line, problems: [{ field: '', message: 'a line must be a JSON object' }] };
    }
    // a user as /upsert takes it (what identities:export writes). The export's iid is the profile id of
    // the database it came from: left out (the identifiers find the profile; /upsert refuses a field a
    // user does not have), so an export imports into another database; insider_id names a profile here.
    if (isObject(value.identifiers) || isObject(value.attributes) || Array.isArray(value.events)) {
      const user = { ...value };
      delete user.iid;
      return { line: record.line, user, fieldOf: (path) => path };
    }
    const fields: [string, Destination, Json][] = [];
    const problems: RowProblem[] = [];
    for (const [column, v] of Object.entries(value)) {
      const destination = destinationOf(column, this.settings);
      if (typeof destination === 'string') problems.push({ field: column, message: destination });
      else fields.push([column, destination, v]);
    }
    return problems.length ? { line: record.line, problems } : flatUser(record.line, fields, false);
  }
}
