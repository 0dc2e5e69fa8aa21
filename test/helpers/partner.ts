import { Scope } from '../../src/auth/permissions';
import { seedApiToken } from './factories';
import { startTestApp, TestApp } from './test-app';

export const PARTNER_BASE = '/api/user/v1';
const PARTNER_NAME = 'mybrand';

/** An app for the partner API specs: PARTNER_NAME=mybrand, and an identities:write API token in headers. */
export interface PartnerApp {
  t: TestApp;
  token: string;
  headers: Record<string, string>;
}

export async function startPartnerApp(): Promise<PartnerApp> {
  const t = await startTestApp({ env: { PARTNER_NAME } });
  const token = (await seedApiToken(t, [Scope.IdentitiesWrite])).token;
  const headers = { 'X-PARTNER-NAME': PARTNER_NAME, 'X-REQUEST-TOKEN': token, 'Content-Type': 'application/json' };
  return { t, token, headers };
}

/** Calls of the partner API on the app `current()` answers (a spec sets it in beforeAll). */
export function partnerCalls(current: () => PartnerApp) {
  const send = (
    method: 'patch' | 'post' | 'delete',
    path: string,
    body: unknown,
    extra: Record<string, string> = {},
  ) => {
    const { t, headers } = current();
    return t.rest(method, `${PARTNER_BASE}${path}`, { body, headers: { ...headers, ...extra } });
  };
  const upsert = (users: unknown[], more: Record<string, unknown> = {}) => send('post', '/upsert', { users, ...more });
  const profile = (body: unknown) => send('post', '/profile', body);
  return { send, upsert, profile };
}
