import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { chunked, fromSqlDate, inList, query } from '../database/sql';

/** How many rows of each account table erasing some accounts removes. */
export interface AccountCounts {
  accounts: number;
  sessions: number;
  accountTokens: number;
  addresses: number;
  groupMemberships: number;
}

const iso = (value: string | Date | null) => (value === null ? null : fromSqlDate(value).toISOString());

/**
 * The statements of erasure and takeout on the account tables (SPEC §10): the accounts of a person (by
 * id or email), their rows counted, read (never a password, token or hash) or deleted. A user's
 * sessions, tokens, addresses and group memberships go with the user row (foreign keys cascade).
 */
@Injectable()
export class AccountStore {
  /** The ids of the accounts with these ids or emails (emails compared as stored: normalised). */
  async accountIds(manager: EntityManager, ids: readonly string[], emails: readonly string[]): Promise<string[]> {
    const out = new Set<string>();
    for (const chunk of chunked([...new Set(ids)])) {
      const rows = await query<{ id: string }>(
        manager,
        `SELECT id FROM users WHERE id IN (${inList(chunk.length)})`,
        chunk,
      );
      rows.forEach((row) => out.add(row.id));
    }
    for (const chunk of chunked([...new Set(emails)])) {
      const rows = await query<{ id: string }>(
        manager,
        `SELECT id FROM users WHERE email IN (${inList(chunk.length)})`,
        chunk,
      );
      rows.forEach((row) => out.add(row.id));
    }
    return [...out].sort();
  }

  /** The password hashes of some accounts (null: none, or no such account), in the order given. */
  async passwordHashes(manager: EntityManager, ids: readonly string[]): Promise<(string | null)[]> {
    if (!ids.length) return [];
    const rows = await query<{ id: string; password_hash: string | null }>(
      manager,
      `SELECT id, password_hash FROM users WHERE id IN (${inList(ids.length)})`,
      [...ids],
    );
    const byId = new Map(rows.map((row) => [row.id, row.password_hash]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** The emails and phones of some accounts (to suppress them with the profile's identifiers). */
  async contacts(
    manager: EntityManager,
    ids: readonly string[],
  ): Promise<{ email: string | null; phone: string | null }[]> {
    if (!ids.length) return [];
    return query(manager, `SELECT email, phone FROM users WHERE id IN (${inList(ids.length)})`, [...ids]);
  }

  async counts(manager: EntityManager, ids: readonly string[]): Promise<AccountCounts> {
    const counts: AccountCounts = { accounts: 0, sessions: 0, accountTokens: 0, addresses: 0, groupMemberships: 0 };
    for (const chunk of chunked(ids)) {
      const list = inList(chunk.length);
      const [row] = await query<Record<string, string | number>>(
        manager,
        `SELECT
          (SELECT COUNT(*) FROM users WHERE id IN (${list})) AS accounts,
          (SELECT COUNT(*) FROM sessions WHERE user_id IN (${list})) AS sessions,
          (SELECT COUNT(*) FROM account_tokens WHERE user_id IN (${list})) AS account_tokens,
          (SELECT COUNT(*) FROM addresses WHERE user_id IN (${list})) AS addresses,
          (SELECT COUNT(*) FROM customer_group_users WHERE user_id IN (${list})) AS group_memberships`,
        chunk,
      );
      counts.accounts += Number(row.accounts);
      counts.sessions += Number(row.sessions);
      counts.accountTokens += Number(row.account_tokens);
      counts.addresses += Number(row.addresses);
      counts.groupMemberships += Number(row.group_memberships);
    }
    return counts;
  }

  /** Deletes accounts with their sessions, tokens, addresses and group memberships. */
  async deleteAccounts(manager: EntityManager, ids: readonly string[]): Promise<void> {
    for (const chunk of chunked(ids)) {
      const list = inList(chunk.length);
      // explicit, not left to the cascades: SQLite enforces foreign keys only when they are switched on
      for (const table of ['sessions', 'account_tokens', 'addresses', 'customer_group_users']) {
        await query(manager, `DELETE FROM ${table} WHERE user_id IN (${list})`, chunk);
      }
      await query(manager, `UPDATE identity_profiles SET user_id = NULL WHERE user_id IN (${list})`, chunk);
      await query(manager, `DELETE FROM users WHERE id IN (${list})`, chunk);
    }
  }

  /** An account as its owner may read it: no password, token or hash; its addresses, groups and sessions. */
  async export(manager: EntityManager, id: string): Promise<Record<string, unknown> | null> {
    const [user] = await query<{
      id: string;
      name: string | null;
      email: string | null;
      email_verified: boolean | number;
      phone: string | null;
      onboarding_status: string;
      order_webhook_url: string | null;
      role: string | null;
      token_generated_at: string | Date | null;
      created_at: string | Date;
      updated_at: string | Date;
    }>(
      manager,
      `SELECT u.id, u.name, u.email, u.email_verified, u.phone, u.onboarding_status, u.order_webhook_url,
        r.name AS role, u.token_generated_at, u.created_at, u.updated_at
        FROM users u LEFT JOIN roles r ON r.id = u.role_id WHERE u.id = $1`,
      [id],
    );
    if (!user) return null;
    const addresses = await query<Record<string, unknown>>(
      manager,
      `SELECT id, first_name, last_name, company, address1, address2, city, province, postal_code, phone, is_billing,
        country_id, created_at, updated_at FROM addresses WHERE user_id = $1 ORDER BY created_at, id`,
      [id],
    );
    const groups = await query<{ id: string; name: string }>(
      manager,
      `SELECT g.id, g.name FROM customer_group_users m JOIN customer_groups g ON g.id = m.customer_group_id
        WHERE m.user_id = $1 ORDER BY g.name`,
      [id],
    );
    const sessions = await query<Record<string, unknown>>(
      manager,
      'SELECT id, ip_address, user_agent, created_at, last_used_at, expires_at FROM sessions WHERE user_id = $1 ORDER BY created_at, id',
      [id],
    );
    const dates = (row: Record<string, unknown>, keys: string[]) => {
      for (const key of keys) row[key] = iso(row[key] as string | Date | null);
      return row;
    };
    return {
      id: user.id,
      name: user.name,
      email: user.email,
      emailVerified: Boolean(user.email_verified),
      phone: user.phone,
      onboardingStatus: user.onboarding_status,
      orderWebhookUrl: user.order_webhook_url,
      role: user.role,
      customerTokenIssuedAt: iso(user.token_generated_at),
      createdAt: iso(user.created_at),
      updatedAt: iso(user.updated_at),
      addresses: addresses.map((a) => ({
        ...dates(a, ['created_at', 'updated_at']),
        is_billing: Boolean(a.is_billing),
      })),
      customerGroups: groups,
      sessions: sessions.map((s) => dates(s, ['created_at', 'last_used_at', 'expires_at'])),
    };
  }
}
