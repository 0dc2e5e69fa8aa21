import { sha256 } from './tokens';

describe('sha256', () => {
  // Stored token hashes, attribute value keys and suppression hashes were written with
  // createHash('sha256').update(text).digest('hex'): the same text must keep its hash.
  it.each([
    ['abc', 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'],
    ['', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['Zoë@example.com', 'e2cfe32c2686a37748ce58e9b4416729ec887e242082770ab79422d12194d58a'],
  ])('hashes %j as UTF-8, in lower-case hex', (text, hex) => {
    expect(sha256(text)).toBe(hex);
  });
});
