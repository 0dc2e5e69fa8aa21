import { DEFAULT_SETTINGS, IdentitySettings } from '../identity-settings.service';
import {
  csvCells,
  csvField,
  detectFormat,
  ImportFileError,
  RecordSplitter,
  RowReader,
  SourceRecord,
} from './import-format';

/** Every record of a text fed in pieces of `size` characters. */
function split(text: string, quoted: boolean, size = 3): SourceRecord[] {
  const splitter = new RecordSplitter(quoted);
  const out: SourceRecord[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...splitter.push(text.slice(i, i + size)));
  return [...out, ...splitter.end()];
}

const settings: IdentitySettings = { ...DEFAULT_SETTINGS, customIdentifiers: ['loyalty_id'] };

function csvRows(text: string, s: IdentitySettings = settings) {
  const reader = new RowReader('csv', s);
  const [header, ...records] = split(text, true);
  reader.readHeader(header);
  return records.map((r) => reader.row(r));
}

describe('import-format', () => {
  it('detects the format by extension, else by the first character', () => {
    expect(detectFormat('a.CSV', '{')).toBe('csv');
    expect(detectFormat('a.jsonl', 'email')).toBe('jsonl');
    expect(detectFormat('a.ndjson', '')).toBe('jsonl');
    expect(detectFormat('a.txt', '\uFEFF  {"email":"a@b.c"}')).toBe('jsonl');
    expect(detectFormat('data', 'email,name')).toBe('csv');
  });

  it('splits records across chunk boundaries, with their first line, CRLF, a BOM, blank lines and quoted line breaks', () => {
    const text = '\uFEFFemail,note\r\na@x.io,"two\nlines"\r\n\r\nb@x.io,"say ""hi"""\nc@x.io,last';
    for (const size of [1, 2, 5, 1000]) {
      expect(split(text, true, size)).toEqual([
        { line: 1, text: 'email,note' },
        { line: 2, text: 'a@x.io,"two\nlines"' },
        { line: 5, text: 'b@x.io,"say ""hi"""' },
        { line: 6, text: 'c@x.io,last' },
      ]);
    }
    // JSON Lines: a quote is no reason to go on
    expect(split('{"a":"\\""}\n{"b":1}\n', false, 4)).toEqual([
      { line: 1, text: '{"a":"\\""}' },
      { line: 2, text: '{"b":1}' },
    ]);
  });

  it('reads CSV cells (RFC 4180) and says what is wrong with a broken row', () => {
    expect(csvCells('a,"b,c","d ""e""",,')).toEqual(['a', 'b,c', 'd "e"', '', '']);
    expect(csvCells('"x"y,z')).toBe('a quoted field must be followed by a comma or the end of the row');
    expect(csvCells('"open')).toBe('a quoted field is not closed');
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, "b"')).toBe('"a, ""b"""');
  });

  it('maps CSV columns as /upsert does: identifiers, default attributes typed, other columns custom attributes', () => {
    const [row] = csvRows(
      'email,phone_number,loyalty_id,name,age,email_optin,list_id,country,custom.name,tier,insider_id\n' +
        'Jane@Example.com,+358401234567,L-1,Jane,31,TRUE,1;2,fi,nick,Gold,\n',
    );
    expect(row).toMatchObject({
      line: 2,
      user: {
        identifiers: { email: 'Jane@Example.com', phone_number: '+358401234567', custom: { loyalty_id: 'L-1' } },
        attributes: {
          name: 'Jane',
          age: 31,
          email_optin: true,
          list_id: [1, 2],
          country: 'fi',
          custom: { name: 'nick', tier: 'Gold' },
        },
      },
    });
    expect(row).not.toHaveProperty('user.insider_id'); // an empty cell leaves the field out
  });

  it('passes a cell that does not convert as text, and names the column of each /upsert problem', () => {
    const [row] = csvRows('email,uuid,age,email_optin,list_id\nx@y.io,u-1,thirty,maybe,1;x\n');
    expect(row).toMatchObject({ user: { attributes: { age: 'thirty', email_optin: 'maybe', list_id: '1;x' } } });
    if (!('user' in row)) throw new Error('expected a user');
    expect(row.fieldOf('attributes.age', 'must be a whole number from 0 to 200')).toBe('age');
    expect(row.fieldOf('identifiers', 'uuid: no valid identifier')).toBe('uuid');
    expect(row.fieldOf('identifiers', 'no valid identifier')).toBe('identifiers');
    const [single] = csvRows('email,name\nnope,N\n');
    if (!('user' in single)) throw new Error('expected a user');
    expect(single.fieldOf('identifiers', 'not a valid email address')).toBe('email');
  });

  it('makes email an attribute when it is not an enabled identifier type', () => {
    const [row] = csvRows('uuid,email\nu-1,a@b.io\n', { ...settings, enabledIdentifiers: ['uuid'] });
    expect(row).toMatchObject({ user: { identifiers: { uuid: 'u-1' }, attributes: { email: 'a@b.io' } } });
  });

  it('refuses a row with another number of fields than the header, and a header that names nothing', () => {
    expect(csvRows('email,name\na@b.io\n')).toEqual([
      { line: 2, problems: [{ field: '', message: 'the row has 1 field, the header 2' }] },
    ]);
    const header = (text: string) => () => new RowReader('csv', settings).readHeader({ line: 1, text });
    expect(header('email,,name,name,bad name')).toThrow(ImportFileError);
    expect(header('email,,name,name,bad name')).toThrow(
      'the header (line 1): column 2 has no name; column "name" appears twice; column "bad name": custom attribute names are 1 to 128 letters, digits, "_" or "-"',
    );
    expect(header('name,tier')).toThrow(/no identifier column: give email, phone_number or uuid/);
  });

  it('reads JSON Lines as flat rows (typed) or as /upsert users', () => {
    const reader = new RowReader('jsonl', settings);
    expect(reader.row({ line: 1, text: '{"email":"a@b.io","age":30,"tier":null,"vip":true}' })).toMatchObject({
      user: { identifiers: { email: 'a@b.io' }, attributes: { age: 30, custom: { vip: true } } },
    });
    const user = { identifiers: { email: 'a@b.io' }, attributes: { custom: { x: 1 } } };
    // the iid of an export is its database's profile id: left out (the identifiers find the profile)
    const upsertShaped = reader.row({ line: 2, text: JSON.stringify({ ...user, iid: 'ignored' }) });
    if (!('user' in upsertShaped)) throw new Error('expected a user');
    expect(upsertShaped.user).toEqual(user);
    expect(upsertShaped.fieldOf('attributes.custom.x', '')).toBe('attributes.custom.x');
    expect(reader.row({ line: 3, text: '{"email":' })).toEqual({
      line: 3,
      problems: [{ field: '', message: expect.stringMatching(/^not valid JSON: /) }],
    });
    expect(reader.row({ line: 4, text: '[1]' })).toEqual({
      line: 4,
      problems: [{ field: '', message: 'a line must be a JSON object' }],
    });
    expect(reader.row({ line: 5, text: '{"email":"a@b.io","bad key":1}' })).toEqual({
      line: 5,
      problems: [
        {
          field: 'bad key',
          message: 'column "bad key": custom attribute names are 1 to 128 letters, digits, "_" or "-"',
        },
      ],
    });
  });
});
