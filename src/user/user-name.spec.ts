import { splitName } from './user-name';

describe('splitName (Openfront firstName / lastName)', () => {
  it.each([
    ['Ada B. Lovelace', 'Ada', 'B. Lovelace'],
    ['Ada B Lovelace', 'Ada', 'B Lovelace'],
    ['Ada Lovelace', 'Ada', 'Lovelace'],
    ['Mary Ann Smith', 'Mary', 'Ann Smith'],
    ['Jean-Claude Van Damme', 'Jean-Claude', 'Van Damme'],
    ['Cher', 'Cher', ''],
    ['  Grace \t  Brewster\u00a0Hopper  ', 'Grace', 'Brewster Hopper'],
  ])('%j → %j / %j', (name, firstName, lastName) => {
    expect(splitName(name)).toEqual({ firstName, lastName });
  });

  it('answers empty strings for a missing or blank name, as Openfront does', () => {
    expect(splitName(null)).toEqual({ firstName: '', lastName: '' });
    expect(splitName(undefined)).toEqual({ firstName: '', lastName: '' });
    expect(splitName('   ')).toEqual({ firstName: '', lastName: '' });
  });

  it('round-trips the way the storefront saves a name: firstName + " " + lastName', () => {
    for (const name of ['Ada B. Lovelace', 'Mary Ann Smith', 'Jean-Claude Van Damme']) {
      const { firstName, lastName } = splitName(name);
      expect(`${firstName} ${lastName}`).toBe(name);
    }
  });
});
