import { AppError } from './app-error';
import { checkEmail, normaliseEmail, normalisePhone, parseEmail, trimSpace } from './normalise';

describe('normalisers', () => {
  it.each([
    ['+1234567890', '+1234567890'], // the seed's own example: syntactically E.164, accepted
    ['+358 (40) 123-4567', '+358401234567'],
    ['+44 (0)20 7946 0958', '+442079460958'],
    ['+65.9876.5432', '+6598765432'],
    ['12345', null],
    ['+0123456789', null],
    ['+1234567890123456', null],
    ['phone', null],
  ])('normalisePhone(%j) = %j', (input, expected) => {
    expect(normalisePhone(input)).toBe(expected);
  });

  it('trims and lower-cases emails, and checks their shape', () => {
    expect(normaliseEmail('  Jane.Doe@Example.COM ')).toBe('jane.doe@example.com');
    expect(checkEmail('jane@example.com')).toEqual({ email: 'jane@example.com' });
    expect(checkEmail('jane@example')).toEqual({ problem: 'invalid' });
    expect(checkEmail('ja ne@example.com')).toEqual({ problem: 'invalid' });
  });
});

describe('emails', () => {
  it.each([
    ['fullwidth letters', 'ａｄａ@ｅｘａｍｐｌｅ.ｃｏｍ', 'ada@example.com'],
    ['fullwidth capitals', 'ＡＤＡ@example.com', 'ada@example.com'],
    ['a decomposed accent (NFD)', 'e\u0301lodie@example.com', '\u00e9lodie@example.com'],
    ['a composed accent (NFC)', '\u00c9lodie@example.com', '\u00e9lodie@example.com'],
    ['a ligature', '\ufb00@example.com', 'ff@example.com'],
    ['an ideographic space around it', '\u3000ada@example.com\u3000', 'ada@example.com'],
    ['a dotted capital I', '\u0130da@example.com', 'i\u0307da@example.com'],
  ])('normalises %s', (_label, input, expected) => {
    expect(normaliseEmail(input)).toBe(expected);
    expect(normaliseEmail(normaliseEmail(input))).toBe(expected); // idempotent: stored values stay stable
    expect(checkEmail(input)).toEqual({ email: expected });
  });

  it.each([
    ['a zero-width space', 'ada\u200b@example.com', 'formatCharacters'],
    ['a zero-width joiner', 'a\u200dda@example.com', 'formatCharacters'],
    ['a byte-order mark at the start', '\ufeffada@example.com', 'formatCharacters'],
    ['a byte-order mark at the end', 'ada@example.com\ufeff', 'formatCharacters'],
    ['a right-to-left mark', 'ada@exa\u200fmple.com', 'formatCharacters'],
    ['a bidi override', '\u202eada@example.com', 'formatCharacters'],
    ['a soft hyphen', 'ada@exam\u00adple.com', 'formatCharacters'],
    ['a trailing dot', 'ada@example.com.', 'trailingDot'],
    ['a fullwidth trailing dot', 'ada@example.com\uff0e', 'trailingDot'],
    ['no domain dot', 'ada@example', 'invalid'],
    ['two @', 'ada@@example.com', 'invalid'],
    ['a space inside', 'a da@example.com', 'invalid'],
    ['a control character', 'ada\u0007@example.com', 'invalid'],
    ['an unpaired surrogate', 'ada\ud800@example.com', 'invalid'],
    ['a display name', 'Ada <ada@example.com>', 'invalid'],
    ['over 254 characters', `${'a'.repeat(60)}@${'d'.repeat(190)}.com`, 'invalid'],
    ['an empty string', '', 'invalid'],
  ])('refuses %s', (_label, input, problem) => {
    expect(checkEmail(input)).toEqual({ problem });
  });

  it('never drops a byte-order mark while trimming (it is a format character, not white space)', () => {
    expect(normaliseEmail(' \ufeffada@example.com\t')).toBe('\ufeffada@example.com');
    expect(trimSpace('\u00a0\u2003 x \n')).toBe('x');
  });

  it('accepts what validator.js accepts: tags, international letters, subdomains', () => {
    for (const email of ['ada+shop@example.com', 'élodie@example.fr', 'ada@mail.example.co.uk', "o'brien@example.ie"]) {
      expect(checkEmail(email)).toEqual({ email });
    }
  });

  it('parseEmail names the field and the reason', () => {
    expect(parseEmail(' ＡＤＡ@Example.com ')).toBe('ada@example.com');
    const refused = (input: string, field?: string) => {
      try {
        parseEmail(input, field);
      } catch (e) {
        return [(e as AppError).code, (e as AppError).message, (e as AppError).details];
      }
      return null;
    };
    expect(refused('ada\u200b@example.com')).toEqual([
      'BAD_USER_INPUT',
      'email must not contain invisible or formatting characters (such as a zero-width space)',
      { field: 'email' },
    ]);
    expect(refused('ada@example.com.', 'users.connect.0.email')).toEqual([
      'BAD_USER_INPUT',
      'users.connect.0.email must not end with a dot',
      { field: 'users.connect.0.email' },
    ]);
    expect(refused('nope')).toEqual(['BAD_USER_INPUT', 'email is not a valid email address: nope', { field: 'email' }]);
  });
});
