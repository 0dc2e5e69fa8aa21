import { isPrivateAddress, urlProblem } from './url-guard';

describe('webhook URL guard', () => {
  it('knows private, loopback, link-local and mapped addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '100.64.0.1',
    ])
      expect([a, isPrivateAddress(a)]).toEqual([a, true]);
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111'])
      expect([a, isPrivateAddress(a)]).toEqual([a, false]);
  });

  it('wants https and a public host unless private addresses are allowed', () => {
    expect(urlProblem('https://hooks.example.com/in', false)).toBeNull();
    expect(urlProblem('http://hooks.example.com/in', false)).toBe('url must use https');
    expect(urlProblem('https://127.0.0.1/in', false)).toBe('url must not point to a private or loopback address');
    expect(urlProblem('https://[::1]/in', false)).toBe('url must not point to a private or loopback address');
    expect(urlProblem('https://localhost/in', false)).toBe('url must not point to a private or loopback address');
    expect(urlProblem('https://user:pw@hooks.example.com/', false)).toBe('url cannot hold credentials');
    expect(urlProblem('not a url', false)).toBe('url must be an absolute URL');
    expect(urlProblem('ftp://hooks.example.com/', true)).toBe('url must use https');
    expect(urlProblem('http://127.0.0.1:8080/in', true)).toBeNull();
  });
});
