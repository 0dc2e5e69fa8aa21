import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { classify } from '../audit/audit-fields';
import { AuditService } from '../audit/audit.service';
import { Actor, can } from '../auth/actor';
import { CredentialCacheService } from '../auth/credential-cache.service';
import { PasswordHasher } from '../auth/password-hasher';
import { PASSWORD_MAX } from '../auth/password-policy';
import { Permission, Scope } from '../auth/permissions';
import { AppError } from '../common/app-error';
import { checkEmail } from '../common/normalise';
import { RateLimitService } from '../common/rate-limit.service';
import { newId } from '../database/columns';
import { TransactionService } from '../database/transaction.service';
import { IdentityWhereUniqueInput } from '../identity/dto/identity-where.input';
import { IdentityErasureEntity } from '../identity/identity.entity';
import { IdentityLocator, whereIdentifier } from '../identity/identity-locator';
import { actorKey } from '../identity/merge.service';
import { PrivacyStore } from '../identity/privacy-store';
import { ProfileStore } from '../identity/profile-store';
import { OutboxService } from '../outbox/outbox.service';
import { AccountStore } from './account-store';

/** An erasure receipt: when, and how many rows of each kind were removed; no personal data. */
export interface ErasureReceipt {
  id: string;
  erasedAt: Date;
  counts: Record<string, number>;
}

/** The actor recorded when a customer closes their own account (their id is erased with them). */
const SELF = 'self';

/** Whom an erasure or takeout is about: their profiles and accounts, and what names them. */
interface Person {
  profileIds: string[];
  accountIds: string[];
}

/**
 * Erasure, suppression and takeout (SPEC §10): one person's profiles (with every profile merged into
 * them), identifiers, aliases, attributes, events and merge records, and their accounts with sessions,
 * tokens, addresses, group memberships and queued mails, removed in one transaction with a receipt that
 * holds only counts; or read whole as one JSON document.
 */
@Injectable()
export class PrivacyService {
  constructor(
    private readonly tx: TransactionService,
    private readonly locator: IdentityLocator,
    private readonly profiles: ProfileStore,
    private readonly privacy: PrivacyStore,
    private readonly accounts: AccountStore,
    private readonly outbox: OutboxService,
    private readonly cache: CredentialCacheService,
    private readonly hasher: PasswordHasher,
    private readonly limits: RateLimitService,
    private readonly audit: AuditService,
  ) {}

  /** `eraseIdentity` and Nosto's redact: NOT_FOUND when neither a profile nor an account matches. */
  async erase(actor: Actor, where: IdentityWhereUniqueInput, suppress: boolean): Promise<ErasureReceipt> {
    this.assertGdpr(actor);
    // buffered audit entries (partner writes) written first, so that the erasure finds them in the table
    await this.audit.flush();
    const { receipt, accountIds } = await this.tx.run(async (manager) => {
      const person = await this.find(manager, where);
      return this.eraseIn(manager, person, suppress, actorKey(actor), actor);
    });
    await Promise.all(accountIds.map((id) => this.cache.invalidateUser(id)));
    return receipt;
  }

  /** `exportIdentity` and Nosto's takeout. */
  async export(actor: Actor, where: IdentityWhereUniqueInput): Promise<Record<string, unknown>> {
    this.assertGdpr(actor);
    await this.audit.flush(); // the buffered audit entries too
    return this.tx.run(async (manager) => this.document(manager, await this.find(manager, where)));
  }

  /** `exportActiveUserData`: the signed-in customer's account and the profile linked to it. */
  async exportOwn(actor: Actor): Promise<Record<string, unknown>> {
    await this.audit.flush();
    return this.tx.run(async (manager) => {
      const profile = await this.profiles.profileOfUser(manager, actor.userId!);
      return this.document(manager, { accountIds: [actor.userId!], profileIds: profile ? [profile] : [] });
    });
  }

  /**
   * `deleteActiveUser`: the customer closes their account, password checked (and limited like a
   * password change). The account goes with its sessions, tokens, addresses, group memberships and
   * queued mails; the marketing profile is unlinked and kept.
   */
  async deleteOwn(actor: Actor, password: string): Promise<boolean> {
    const userId = actor.userId!;
    await this.limits.consume('passwordChangePerUser', userId);
    const [hash] = await this.accounts.passwordHashes(this.tx.manager, [userId]);
    if (!hash || password.length > PASSWORD_MAX || !(await this.hasher.verify(hash, password))) {
      throw AppError.badInput('Invalid password', { field: 'password' });
    }
    await this.limits.reset('passwordChangePerUser', userId);
    await this.audit.flush();
    await this.tx.run((manager) => this.eraseIn(manager, { accountIds: [userId], profileIds: [] }, false, SELF, actor));
    await this.cache.invalidateUser(userId);
    return true;
  }

  /**
   * Nosto's marketing-consent toggle: the profile holding the email gets `email_optin` (created when the
   * email is unknown); a suppressed email is refused like any other write of it.
   */
  async consent(email: string, optin: boolean): Promise<Record<string, never>> {
    await this.tx.run(async (manager) => {
      await this.privacy.refuseSuppressed(manager, [{ type: 'email', value: email }]);
      const { id } = await this.profiles.ensureProfile(manager, 'email', email);
      await this.profiles.takeProfiles(manager, [id]);
      await this.profiles.writeAttributes(manager, [{ profileId: id, key: 'email_optin', value: optin }]);
    });
    return {};
  }

  // ---- the person ---------------------------------------------------------------------------------

  /**
   * The profile the input names (through aliases: a merged profile's identifier names its survivor),
   * the accounts linked to it or holding one of its emails (or the email asked for), and the profiles
   * linked to those accounts.
   */
  private async find(manager: EntityManager, where: IdentityWhereUniqueInput): Promise<Person> {
    const [profileId] = await this.locator.locate(manager, [{ where, field: 'where' }]);
    const emails: string[] = [];
    if (where.email || where.identifier?.type === 'email') emails.push(whereIdentifier(where, 'where').value);
    const linked: string[] = [];
    if (profileId) {
      await this.profiles.takeProfiles(manager, [profileId]);
      const user = await this.profiles.linkedUser(manager, profileId);
      if (user) linked.push(user);
      for (const i of await this.privacy.identifiersAndAliases(manager, profileId)) {
        if (i.type === 'email') emails.push(i.value);
      }
    }
    const accountIds = await this.accounts.accountIds(manager, linked, emails);
    const profileIds = new Set(profileId ? [profileId] : []);
    for (const profile of await this.profiles.profilesOfUsers(manager, accountIds)) profileIds.add(profile.id);
    if (!profileIds.size && !accountIds.length) throw AppError.notFound('No identity profile or account matches where');
    const sorted = [...profileIds].sort();
    await this.profiles.takeProfiles(manager, sorted);
    return { profileIds: sorted, accountIds };
  }

  private assertGdpr(actor: Actor): void {
    if (actor.kind === 'api-token') {
      if (actor.scopes.has(Scope.Gdpr)) return;
    } else if (can(actor, Permission.CanManageIdentities) && can(actor, Permission.CanManageUsers)) {
      return;
    }
    throw AppError.forbidden('Erasure and takeout need the gdpr scope, or both canManageIdentities and canManageUsers');
  }

  // ---- erasure ------------------------------------------------------------------------------------

  private async eraseIn(
    manager: EntityManager,
    person: Person,
    suppress: boolean,
    actor: string,
    auditActor: Actor,
  ): Promise<{ receipt: ErasureReceipt; accountIds: string[] }> {
    const counts: Record<string, number> = {
      profiles: 0,
      identifiers: 0,
      aliases: 0,
      attributes: 0,
      events: 0,
      merges: 0,
      accounts: 0,
      sessions: 0,
      accountTokens: 0,
      addresses: 0,
      groupMemberships: 0,
      outbox: 0,
      auditEntries: 0,
      suppressed: 0,
    };
    const toSuppress: { type: string; value: string }[] = [];
    const formerIds: string[] = [];
    for (const profileId of person.profileIds) {
      formerIds.push(...(await this.privacy.formerIds(manager, profileId)));
      toSuppress.push(...(await this.privacy.identifiersAndAliases(manager, profileId)));
    }
    const mergeIds = await this.privacy.mergeIdsOf(manager, formerIds);
    for (const profileId of person.profileIds) {
      const c = await this.privacy.counts(manager, profileId, 0);
      for (const [key, n] of Object.entries(c)) counts[key] += n;
    }
    counts.merges = mergeIds.length;
    Object.assign(counts, addCounts(counts, { ...(await this.accounts.counts(manager, person.accountIds)) }));
    for (const contact of await this.accounts.contacts(manager, person.accountIds)) {
      if (contact.email) toSuppress.push({ type: 'email', value: contact.email });
      if (contact.phone) toSuppress.push({ type: 'phone_number', value: contact.phone });
    }
    for (const id of person.accountIds) {
      counts.outbox += await this.outbox.forgetSubject(manager, `user:${id}`);
      // a profile kept (deleteActiveUser) keeps its merges, which forget the account
      for (const profile of await this.profiles.profilesOfUsers(manager, [id])) {
        if (person.profileIds.includes(profile.id)) continue;
        const ids = await this.privacy.mergeIdsOf(manager, await this.privacy.formerIds(manager, profile.id));
        await this.privacy.forgetAccountInMerges(manager, ids, id);
      }
    }
    // rows about a profile: `identity:<id>` (the webhooks of SPEC §9 use it), `profile:<id>`
    for (const id of formerIds) {
      for (const key of [`identity:${id}`, `profile:${id}`])
        counts.outbox += await this.outbox.forgetSubject(manager, key);
    }
    await this.privacy.deleteMerges(manager, mergeIds);
    for (const profileId of person.profileIds) await this.profiles.deleteProfile(manager, profileId);
    await this.accounts.deleteAccounts(manager, person.accountIds);
    if (suppress) counts.suppressed = await this.privacy.suppress(manager, toSuppress);
    const receipt = Object.assign(new IdentityErasureEntity(), {
      id: newId(),
      counts,
      actor: person.accountIds.length && actor === SELF ? SELF : actor,
      createdAt: new Date(),
    });
    // Audited (and the `identity.erased` webhook event queued) in the erasure's transaction. The entry
    // names the receipt, never the person; it is written before the person's entries are rewritten, so
    // a customer closing their own account is an actor pseudonymised with the rest.
    await this.audit.record(manager, {
      action: 'identity.erased',
      actor: auditActor,
      resource: { type: 'erasure', id: receipt.id },
      changes: [{ field: 'suppressed', old: null, new: suppress }],
    });
    // the audit trail keeps its entries about the person, with their ids a salted hash and values masked
    counts.auditEntries = await this.audit.forget(manager, [
      ...new Set([...formerIds, ...person.profileIds, ...person.accountIds]),
    ]);
    await this.privacy.recordErasure(manager, receipt);
    return { receipt: { id: receipt.id, erasedAt: receipt.createdAt, counts }, accountIds: person.accountIds };
  }

  // ---- takeout ------------------------------------------------------------------------------------

  private async document(manager: EntityManager, person: Person): Promise<Record<string, unknown>> {
    const accounts: Record<string, unknown>[] = [];
    for (const id of person.accountIds) {
      const account = await this.accounts.export(manager, id);
      if (account) accounts.push(account);
    }
    const profiles: Record<string, unknown>[] = [];
    const ids = new Set([...person.profileIds, ...person.accountIds]);
    for (const id of person.profileIds) {
      profiles.push(await this.privacy.export(manager, id));
      for (const former of await this.privacy.formerIds(manager, id)) ids.add(former);
    }
    // the audit trail's entries about or by them, as stored (personal values masked, secrets redacted)
    const auditEvents = (await this.audit.about(manager, [...ids])).map((row) => ({
      id: row.id,
      occurredAt: row.occurredAt.toISOString(),
      action: row.action,
      actorKind: row.actorKind,
      actorId: row.actorId !== null && ids.has(row.actorId) ? row.actorId : null,
      resourceType: row.resourceType,
      resourceId: row.resourceId,
      userId: row.userId,
      profileId: row.profileId,
      // a secret's change is stored as `[redacted]`; the takeout leaves even its name out
      changes: (JSON.parse(row.changes) as { field: string }[]).filter((c) => classify(c.field) !== 'secret'),
    }));
    return { exportedAt: new Date().toISOString(), accounts, profiles, auditEvents };
  }
}

function addCounts(counts: Record<string, number>, more: Record<string, number>): Record<string, number> {
  const out = { ...counts };
  for (const [key, n] of Object.entries(more)) out[key] = (out[key] ?? 0) + n;
  return out;
}

/** An email a Nosto path names, normalised; BAD_USER_INPUT when it is not an address. */
export function pathEmail(raw: string): string {
  const checked = checkEmail(raw);
  if (!('email' in checked))
    throw AppError.badInput('The path does not name a valid email address', { field: 'email' });
  return checked.email;
}
