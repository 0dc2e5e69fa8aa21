import { AppError, ErrorCode } from '../../common/app-error';
import { DEFAULT_SETTINGS, IdentitySettings } from '../identity-settings.service';
import {
  identifierEntries,
  identifiersToWire,
  isBlocked,
  numberFrom,
  parseIdentifier,
  parseIdentifierChange,
  parseIdentifiers,
  parseIdentifierToDelete,
  Problems,
  requireObject,
} from './partner-input';

const settings: IdentitySettings = { ...DEFAULT_SETTINGS, customIdentifiers: ['loyalty_id'] };

/** The AppError a call throws: code and message (the reason only; the partner format adds `: bad request`). */
function thrown(fn: () => unknown): [ErrorCode, string] {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return [e.code, e.message];
    throw e;
  }
  throw new Error('nothing was thrown');
}

describe('partner-input', () => {
  describe('requireObject', () => {
    it('passes a JSON object through', () => {
      expect(requireObject({ a: 1 })).toEqual({ a: 1 });
    });

    it.each([
      [undefined, 'request body is empty: send a JSON object'],
      [null, 'request body must be a JSON object, not null'],
      [[1], 'request body must be a JSON object, not an array'],
      ['users', 'request body must be a JSON object, not string'],
      [5, 'request body must be a JSON object, not number'],
    ])('refuses %j, saying what it is', (body, message) => {
      expect(thrown(() => requireObject(body))).toEqual([ErrorCode.BadUserInput, message]);
    });
  });

  describe('parseIdentifier', () => {
    it('lower-cases emails, normalises phones to E.164, trims, and types custom identifiers', () => {
      expect(parseIdentifier('email', '  Jane@Example.COM ', false, settings)).toEqual({
        type: 'email',
        name: 'email',
        custom: false,
        value: 'jane@example.com',
      });
      expect(parseIdentifier('phone_number', '+65 9876 5432', false, settings).value).toBe('+6598765432');
      expect(parseIdentifier('loyalty_id', 'XYZ', true, settings)).toEqual({
        type: 'custom:loyalty_id',
        name: 'loyalty_id',
        custom: true,
        value: 'XYZ',
      });
    });

    it.each([
      ['a type the settings do not enable', 'nope', 'x', true, 'no valid identifier'],
      ['a number', 'uuid', 42, false, 'uuid must be a string'],
      ['an empty value', 'uuid', '   ', false, 'no valid identifier'],
      ['a blocked value in any case', 'uuid', 'NULL', false, 'no valid identifier'],
      ['a value over 255 characters', 'uuid', 'u'.repeat(256), false, 'uuid must be at most 255 characters'],
      ['an invalid email', 'email', 'not-an-email', false, 'not a valid email address'],
      ['an invalid phone', 'phone_number', '12', false, 'not a valid phone number: use E.164 (e.g. +6598765432)'],
    ])('refuses %s', (_case, name, raw, custom, message) => {
      expect(thrown(() => parseIdentifier(name, raw, custom, settings))).toEqual([ErrorCode.BadUserInput, message]);
    });

    it('refuses a default type the settings disable', () => {
      const s = { ...settings, enabledIdentifiers: ['email', 'uuid'] };
      expect(thrown(() => parseIdentifier('phone_number', '+6598765432', false, s))[1]).toBe('no valid identifier');
    });

    it('refuses a value that becomes blocked once normalised', () => {
      const s = { ...settings, blockedValues: ['blocked@example.com'] };
      expect(thrown(() => parseIdentifier('email', 'Blocked@Example.com', false, s))[1]).toBe('no valid identifier');
      expect(isBlocked('BLOCKED@example.com', s)).toBe(true);
    });
  });

  describe('identifierEntries and parseIdentifiers', () => {
    it('flattens custom identifiers', () => {
      expect(identifierEntries({ email: 'a@b.co', custom: { loyalty_id: 'L' } })).toEqual([
        ['email', 'a@b.co', false],
        ['loyalty_id', 'L', true],
      ]);
    });

    it('refuses a custom that is not an object, no identifier, or more than 20', () => {
      expect(thrown(() => identifierEntries({ custom: 'x' }))[1]).toBe('identifiers.custom must be an object');
      expect(thrown(() => parseIdentifiers('x', settings))[1]).toBe('identifiers must be an object');
      expect(thrown(() => parseIdentifiers({}, settings))[1]).toBe('no valid identifier');
      const many = Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v']));
      expect(thrown(() => parseIdentifiers(many, settings))[1]).toBe('identifiers has more than 20 identifiers');
    });
  });

  describe('parseIdentifierChange (PATCH /identity)', () => {
    it('answers the type and both normalised values', () => {
      expect(
        parseIdentifierChange({ old_identifier: { email: 'A@x.com' }, new_identifier: { email: 'B@x.com' } }, settings),
      ).toEqual({ type: 'email', from: 'a@x.com', to: 'b@x.com' });
      expect(
        parseIdentifierChange(
          { old_identifier: { custom: { loyalty_id: 'L1' } }, new_identifier: { custom: { loyalty_id: 'L2' } } },
          settings,
        ),
      ).toEqual({ type: 'custom:loyalty_id', from: 'L1', to: 'L2' });
    });

    it.each([
      [{ old_identifier: { email: 'a@x.com' } }, 'there must be exactly 1 entry for both new and old identifiers'],
      [
        { old_identifier: { email: 'a@x.com', uuid: 'u' }, new_identifier: { email: 'b@x.com' } },
        'there must be exactly 1 entry for both new and old identifiers',
      ],
      [
        { old_identifier: { email: 'a@x.com' }, new_identifier: { uuid: 'u' } },
        'old and new identifiers must be of the same type',
      ],
      [
        { old_identifier: { custom: { loyalty_id: 'L1' } }, new_identifier: { loyalty_id: 'L2' } },
        'old and new identifiers must be of the same type',
      ],
      [
        { old_identifier: { email: 'a@x.com' }, new_identifier: { email: 'A@X.com' } },
        'identifier values are the same',
      ],
      [{ old_identifier: { email: 'a@x.com' }, new_identifier: { email: 'null' } }, 'no valid identifier'],
    ])('refuses %j', (body, message) => {
      expect(thrown(() => parseIdentifierChange(body, settings))).toEqual([ErrorCode.BadUserInput, message]);
    });
  });

  it('parseIdentifierToDelete takes exactly one identifier', () => {
    expect(parseIdentifierToDelete({ identifiers: { uuid: 'u1' } }, settings).type).toBe('uuid');
    expect(thrown(() => parseIdentifierToDelete({ identifiers: { uuid: 'u1', email: 'a@x.com' } }, settings))).toEqual([
      ErrorCode.BadUserInput,
      'there must be exactly 1 identifier to delete',
    ]);
  });

  it('identifiersToWire nests custom identifiers and leaves out an empty custom', () => {
    expect(
      identifiersToWire([
        { type: 'custom:loyalty_id', value: 'L' },
        { type: 'email', value: 'a@x.com' },
      ]),
    ).toEqual({ email: 'a@x.com', custom: { loyalty_id: 'L' } });
    expect(identifiersToWire([{ type: 'uuid', value: 'u' }])).toEqual({ uuid: 'u' });
  });

  it('numberFrom takes numbers and decimal numbers written as text, nothing else', () => {
    expect(['129.9', ' 42 ', '-3', '1e3', '.5', '7.'].map(numberFrom)).toEqual([129.9, 42, -3, 1000, 0.5, 7]);
    expect([12, 0].map(numberFrom)).toEqual([12, 0]);
    expect(
      ['', ' ', '12 kg', '0x1F', 'Infinity', 'NaN', '1_000', '1,5', true, null, [1], {}].map((v) =>
        numberFrom(v as never),
      ),
    ).toEqual(Array(12).fill(undefined));
  });

  it('Problems collects messages by path', () => {
    const problems = new Problems();
    expect(problems.any).toBe(false);
    problems.add('users.0.identifiers', 'one');
    problems.add('users.0.identifiers', 'two');
    problems.add('users.0.attributes.age', 'three');
    expect(problems.any).toBe(true);
    expect(problems.byPath).toEqual({ 'users.0.identifiers': ['one', 'two'], 'users.0.attributes.age': ['three'] });
  });
});
