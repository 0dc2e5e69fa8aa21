import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { postWebhook } from './webhook-sender';

describe('postWebhook', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.statusCode = 204;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  const options = (allowPrivate: boolean) => ({ allowPrivate, timeoutMs: 2000 });

  it('refuses a host name that resolves to a loopback address, before connecting', async () => {
    await expect(postWebhook(`http://localhost:${port}/in`, {}, '{}', options(false))).rejects.toThrow(
      'the endpoint host resolves to a private or loopback address',
    );
    await expect(postWebhook(`http://127.0.0.1:${port}/in`, {}, '{}', options(false))).rejects.toThrow(
      'the endpoint address is private or loopback',
    );
    expect(hits).toBe(0);
  });

  it('posts and answers the status when private addresses are allowed', async () => {
    await expect(
      postWebhook(`http://localhost:${port}/in`, { 'webhook-id': 'msg_1' }, '{}', options(true)),
    ).resolves.toEqual({
      status: 204,
    });
    expect(hits).toBe(1);
  });
});
