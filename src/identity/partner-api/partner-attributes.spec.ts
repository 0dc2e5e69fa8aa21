import { appendArray, parseAttributeDeletes, parseAttributes, removeFromArray } from './partner-attributes';
import { Json, JsonObject, Problems } from './partner-input';

function parse(raw: Json | undefined) {
  const problems = new Problems();
  const writes = parseAttributes(raw, 'users.0.attributes', problems);
  return { writes, problems: problems.byPath };
}

function parseDeletes(user: JsonObject) {
  const problems = new Problems();
  const deletes = parseAttributeDeletes(user, 'users.0', problems);
  return { deletes, problems: problems.byPath };
}

describe('partner-attributes', () => {
  describe('parseAttributes (upsert)', () => {
    it('keeps default attributes typed, upper-cases the country, and prefixes custom ones with c_', () => {
      const { writes, problems } = parse({
        name: 'Jane',
        age: 30,
        email_optin: true,
        birthday: '1980-01-01T00:00:00Z',
        country: 'tr',
        list_id: [1, 2],
        custom: { favorite_color: ['green'], shoe_size: 38, vip: false },
      });
      expect(problems).toEqual({});
      expect(writes).toEqual([
        { key: 'name', value: 'Jane', array: false },
        { key: 'age', value: 30, array: false },
        { key: 'email_optin', value: true, array: false },
        { key: 'birthday', value: '1980-01-01T00:00:00Z', array: false },
        { key: 'country', value: 'TR', array: false },
        { key: 'list_id', value: [1, 2], array: true },
        { key: 'c_favorite_color', value: ['green'], array: true },
        { key: 'c_shoe_size', value: 38, array: false },
        { key: 'c_vip', value: false, array: false },
      ]);
    });

    it('reports every problem by path and writes nothing of them', () => {
      const { writes, problems } = parse({
        age: 'thirty',
        email_optin: 'yes',
        birthday: '12/03/1993',
        country: 'XX',
        list_id: ['a'],
        bogus: 1,
        custom: { 'bad name': 1, gone: null, deep: { a: 1 }, list: [{}] },
      });
      expect(writes).toEqual([]);
      expect(problems).toEqual({
        'users.0.attributes.age': ['must be a whole number from 0 to 200'],
        'users.0.attributes.email_optin': ['must be true or false'],
        'users.0.attributes.birthday': ['must be an RFC 3339 date (e.g. 1993-03-12T00:00:00Z)'],
        'users.0.attributes.country': ['must be an ISO 3166-1 alpha-2 country code (e.g. TR)'],
        'users.0.attributes.list_id': ['must be an array of at most 500 numbers'],
        'users.0.attributes.bogus': ['unknown default attribute "bogus": custom attributes go under "custom"'],
        'users.0.attributes.custom.bad name': ['custom attribute names are 1 to 128 letters, digits, "_" or "-"'],
        'users.0.attributes.custom.gone': ['must not be null (delete it with /api/user/v1/attribute/delete)'],
        'users.0.attributes.custom.deep': ['must be a string, number, boolean or an array of them'],
        'users.0.attributes.custom.list': ['array items must be strings, numbers or booleans'],
      });
    });

    it('stores email, phone_number and uuid sent as attributes as contact attributes, normalised', () => {
      const { writes, problems } = parse({ email: 'Jane@Example.com', phone_number: '+65 9876 5432', uuid: 'u-1' });
      expect(problems).toEqual({});
      expect(writes).toEqual([
        { key: 'email', value: 'jane@example.com', array: false },
        { key: 'phone_number', value: '+6598765432', array: false },
        { key: 'uuid', value: 'u-1', array: false },
      ]);
      expect(parse({ email: 'not-an-email', phone_number: '12', uuid: 7 }).problems).toEqual({
        'users.0.attributes.email': ['not a valid email address'],
        'users.0.attributes.phone_number': ['not a valid phone number: use E.164 (e.g. +6598765432)'],
        'users.0.attributes.uuid': ['must be a string of at most 255 characters'],
      });
    });

    it('takes locale for lo, and refuses both at once', () => {
      expect(parse({ locale: 'en_US' })).toEqual({
        writes: [{ key: 'lo', value: 'en_US', array: false }],
        problems: {},
      });
      expect(parse({ lo: 'en_US', locale: 'en_US' }).problems).toEqual({
        'users.0.attributes.locale': ['locale and lo are the same attribute: send one of them'],
      });
    });

    it('takes numeric strings where a number is required, and nothing else', () => {
      const { writes, problems } = parse({ age: ' 42 ', list_id: ['1', 2, '3.0'], static_segment_id: ['10'] });
      expect(problems).toEqual({});
      expect(writes).toEqual([
        { key: 'age', value: 42, array: false },
        { key: 'list_id', value: [1, 2, 3], array: true },
        { key: 'static_segment_id', value: [10], array: true },
      ]);
      expect(parse({ age: '4.5', list_id: ['1', 'two'] }).problems).toEqual({
        'users.0.attributes.age': ['must be a whole number from 0 to 200'],
        'users.0.attributes.list_id': ['must be an array of at most 500 numbers'],
      });
      // custom attributes keep what was sent
      expect(parse({ custom: { price: '129.9' } }).writes).toEqual([{ key: 'c_price', value: '129.9', array: false }]);
    });

    it('refuses attributes that are not an object, a custom that is not one, and more than 200 names', () => {
      expect(parse('x').problems).toEqual({ 'users.0.attributes': ['attributes must be an object'] });
      expect(parse({ custom: [1] }).problems).toEqual({ 'users.0.attributes.custom': ['custom must be an object'] });
      const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`a${i}`, i]));
      expect(parse({ custom: many }).problems).toEqual({ 'users.0.attributes': ['at most 200 attributes per user'] });
      expect(parse(undefined)).toEqual({ writes: [], problems: {} });
    });
  });

  describe('parseAttributeDeletes (attribute/delete)', () => {
    it('collects whole and partial deletes of default and custom attributes', () => {
      const { deletes, problems } = parseDeletes({
        whole: ['name', 'age'],
        partial: { list_id: [1] },
        custom: { whole: ['shoe_size'], partial: { tags: ['a', 'b'] } },
      });
      expect(problems).toEqual({});
      expect(deletes).toEqual({
        whole: ['name', 'age', 'c_shoe_size'],
        partial: [
          ['list_id', [1]],
          ['c_tags', ['a', 'b']],
        ],
      });
    });

    it('deletes the contact attributes (never an identifier) and lo by its other name, locale', () => {
      const { deletes, problems } = parseDeletes({
        whole: ['email', 'phone_number', 'uuid', 'locale'],
        partial: { static_segment_id: ['1', 2] },
        custom: { partial: { tags: ['1'] } },
      });
      expect(problems).toEqual({});
      expect(deletes).toEqual({
        whole: ['email', 'phone_number', 'uuid', 'lo'],
        // a default number array's items may be numeric strings; custom items are compared as sent
        partial: [
          ['static_segment_id', [1, 2]],
          ['c_tags', ['1']],
        ],
      });
    });

    it('refuses unknown defaults, partial deletes of non-arrays, and unknown keys, by path', () => {
      const { problems } = parseDeletes({
        whole: ['email', 'bogus'],
        partial: { name: [1], list_id: 'x' },
        custom: { whole: [''], other: 1 },
      });
      expect(problems).toEqual({
        'users.0.whole.1': ['unknown default attribute "bogus": custom attributes go under "custom"'],
        'users.0.partial.name': ['name is not an array attribute: delete it with "whole"'],
        'users.0.partial.list_id': ['give the items to remove as an array (at most 500)'],
        'users.0.custom.other': ['custom takes "whole" (names) and "partial" (name → items)'],
        'users.0.custom.whole.0': ['custom attribute names are 1 to 128 characters'],
      });
    });

    it('says when there is nothing to delete, and when whole or partial have the wrong shape', () => {
      expect(parseDeletes({}).problems).toEqual({ 'users.0': ['nothing to delete: give whole, partial or custom'] });
      expect(parseDeletes({ whole: 'name', partial: [1] }).problems).toEqual({
        'users.0.whole': ['must be an array of attribute names'],
        'users.0.partial': ['must be an object of attribute name → items to remove'],
      });
      expect(parseDeletes({ custom: 'x' }).problems).toEqual({
        'users.0.custom': ['custom must be an object with whole and/or partial'],
      });
    });
  });

  it('appendArray keeps order and drops repeats (compared as JSON); removeFromArray removes items', () => {
    expect(appendArray(['a', 1], [1, 'b', 'a', 'c'])).toEqual(['a', 1, 'b', 'c']);
    expect(appendArray(undefined, ['x', 'x'])).toEqual(['x']);
    expect(appendArray('not an array', [1])).toEqual([1]);
    expect(removeFromArray([1, '1', 2, 1], [1])).toEqual(['1', 2]);
  });
});
