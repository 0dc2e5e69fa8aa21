import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { change } from '../audit/audit-fields';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { normaliseEmail, parseEmail } from '../common/normalise';
import { RateLimitService } from '../common/rate-limit.service';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { hydrate, query } from '../database/sql';
import { TransactionService } from '../database/transaction.service';
import { emailChangedMail, emailVerificationMail, passwordResetMail } from '../mail/mail-templates';
import { isMailbox, MailService } from '../mail/mail.service';
import { AccountHooks } from '../user/account-hooks';
import { NO_CUSTOMER_TOKEN, UserEntity } from '../user/user.entity';
import { userByIdStatement } from '../user/user-rows';
import { AccountTokenEntity } from './account-token.entity';
import { AccountTokenStore } from './account-token.store';
import { Actor } from './actor';
import { PasswordResetFailure, passwordResetFailure, PasswordResetRedemptionErrorCode } from './auth.model';
import { SessionClient } from './client-info';
import { CredentialCacheService } from './credential-cache.service';
import { PasswordHasher } from './password-hasher';
import { assertPasswordAllowed, PASSWORD_MAX } from './password-policy';
import { SessionService } from './session.service';
import { CUSTOMER_TOKEN_PREFIX, randomToken, sha256 } from './tokens';

export const AUTH_FAILED = 'Authentication failed.';

export type SignInResult = { sessionToken: string; item: UserEntity } | { message: string };

export const RESET_PAGE = '/account/reset-password';
export const VERIFY_PAGE = '/account/verify-email';
export const INVALID_VERIFICATION_TOKEN = 'Invalid or expired verification token';

/** Thrown inside a redemption's transaction to roll it back; answered as the Keystone result. */
class RedemptionRefused extends Error {
  constructor(readonly code: PasswordResetRedemptionErrorCode) {
    super(code);
  }
}

/**
 * Credentials of an account (SPEC §2, §3.1, §6, §7; Keystone names): sign-in and sign-out, the signed-in
 * user, password change, customer tokens, password reset and email verification. Every limit is counted
 * before the work it protects. Mails are queued in the transaction of the change that causes them.
 */
@Injectable()
export class AuthService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Auth');
  /** work that runs after its request was answered (see `afterAnswer`) */
  private readonly pending = new Set<Promise<void>>();

  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly tx: TransactionService,
    private readonly hasher: PasswordHasher,
    private readonly cache: CredentialCacheService,
    private readonly sessions: SessionService,
    private readonly limits: RateLimitService,
    private readonly tokens: AccountTokenStore,
    private readonly mail: MailService,
    private readonly hooks: AccountHooks,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Keystone's authenticateUserWithPassword. The same answer, in about the same time, for an unknown
   * email and a wrong password. Every attempt is counted per email before the password is verified (and
   * per client address by the resolver's guard); a success clears the email's count. The session records
   * the client's address and user agent.
   */
  async signIn(emailInput: string, password: string, client: SessionClient = {}): Promise<SignInResult> {
    const email = normaliseEmail(emailInput);
    const emailKey = sha256(email); // no address in the limiter's keys
    await this.limits.consume('signInPerEmail', emailKey);
    // An over-long password cannot be right (the policy caps it): no need to hash megabytes.
    const user = email && password.length <= PASSWORD_MAX ? await this.users.findOne({ where: { email } }) : null;
    const ok = await this.hasher.verify(user?.passwordHash, password.slice(0, PASSWORD_MAX));
    if (!user || !ok) return { message: AUTH_FAILED };
    const sessionToken = await this.sessions.start(user.id, client);
    await this.limits.reset('signInPerEmail', emailKey); // the owner got in: earlier failures no longer count
    return { sessionToken, item: user };
  }

  /**
   * `authenticatedItem`: the signed-in user, or null when anonymous (or an API token). One primary-key
   * read, as findOne made it, without building, rendering and parsing a query builder on every call
   * (TypeORM's part was 14 % of the service's CPU for `{ authenticatedItem { id } }` under the bench's
   * load): the row hydrated column by column from the same metadata. On PostgreSQL a named prepared
   * statement (userByIdStatement: the one updateActiveUser reads with), unless a replica serves the read.
   */
  async me(actor: Actor): Promise<UserEntity | null> {
    if (!actor.userId) return null;
    const manager = this.users.manager;
    const [row] = await query<Record<string, unknown>>(manager, userByIdStatement(manager), [actor.userId]);
    return row ? hydrate(manager, UserEntity, row) : null;
  }

  /**
   * Every attempt is counted per user before the old password is verified (a stolen session must not
   * serve to guess it); a right old password clears the count. The change is a compare-and-swap on the
   * old hash, so of concurrent changes exactly one wins and the others are "Invalid old password". It
   * ends every other session and the customer token.
   */
  async changePassword(
    actor: Actor,
    oldPassword: string,
    newPassword: string,
    confirmPassword: string,
  ): Promise<UserEntity> {
    await this.limits.consume('passwordChangePerUser', actor.userId!);
    const user = await this.users.findOneOrFail({ where: { id: actor.userId } });
    const invalidOld = () => AppError.badInput('Invalid old password', { field: 'oldPassword' });
    if (
      !user.passwordHash ||
      oldPassword.length > PASSWORD_MAX ||
      !(await this.hasher.verify(user.passwordHash, oldPassword))
    ) {
      throw invalidOld();
    }
    await this.limits.reset('passwordChangePerUser', user.id);
    if (newPassword !== confirmPassword) {
      throw AppError.badInput('Passwords do not match', { field: 'confirmPassword' });
    }
    assertPasswordAllowed(newPassword, 'newPassword');
    const passwordHash = await this.hasher.hash(newPassword);
    const updated = await this.tx.run(async (manager) => {
      const users = manager.getRepository(UserEntity);
      const swapped = await users.update(
        { id: user.id, passwordHash: user.passwordHash! },
        { passwordHash, ...NO_CUSTOMER_TOKEN },
      );
      if (!swapped.affected) throw invalidOld(); // another change won: the old password is no longer this one
      // Every other session ends: whoever knew the old password is signed out.
      await this.sessions.endOthers(manager, user.id, actor.sessionId);
      await this.recordPasswordChanged(manager, user.id, actor);
      return users.findOneByOrFail({ id: user.id });
    });
    await this.cache.invalidateUser(user.id);
    return updated;
  }

  /** `user.password_changed` (and `user.updated`): the password as [redacted], nothing else of it. */
  private recordPasswordChanged(manager: EntityManager, userId: string, actor: Actor | null): Promise<void> {
    const resource = { type: 'user', id: userId };
    const changes = [change('password', 'old', 'new')];
    return this.audit.record(
      manager,
      { action: 'user.password_changed', actor, resource, changes },
      { action: 'user.updated', actor, resource, changes },
    );
  }

  /** A new customer token ("ctok_" + 64 hex); the previous one stops working at once. */
  async regenerateCustomerToken(actor: Actor): Promise<{ success: boolean; token: string }> {
    const token = `${CUSTOMER_TOKEN_PREFIX}${randomToken()}`;
    await this.tx.run(async (manager) => {
      await manager
        .getRepository(UserEntity)
        .update({ id: actor.userId }, { customerTokenHash: sha256(token), tokenGeneratedAt: new Date() });
      await this.audit.record(manager, {
        action: 'user.customer_token_regenerated',
        actor,
        resource: { type: 'user', id: actor.userId! },
        changes: [change('customerToken', 'old', 'new')],
      });
    });
    await this.cache.invalidateUser(actor.userId!);
    return { success: true, token };
  }

  /** `endSession`: ends the session that sent it; false when there is none (a token, or anonymous). */
  async signOut(actor: Actor): Promise<boolean> {
    if (!actor.sessionId) return false;
    await this.sessions.end(actor.sessionId, actor);
    return true;
  }

  // ---- password reset (Keystone's sendUserPasswordResetLink, validate…, redeem…) ----------------

  /**
   * Always true for a well-formed address, in the same time whether or not it has a user: the answer
   * is given once the limits are counted (per email here, per client address by the resolver's guard),
   * before anything is looked up; the token and the mail are made after it, in their own transaction.
   */
  async sendPasswordResetLink(emailInput: string): Promise<true> {
    const email = parseEmail(emailInput);
    await this.limits.consume('passwordResetPerEmail', sha256(email));
    this.afterAnswer('password reset link', () => this.queuePasswordReset(email));
    return true;
  }

  /** `validateUserPasswordResetToken`: null when the token can be redeemed, else why not. */
  async validatePasswordReset(emailInput: string, token: string): Promise<PasswordResetFailure | null> {
    const found = await this.findPasswordReset(emailInput, token);
    return 'code' in found ? passwordResetFailure(found.code) : null;
  }

  /**
   * `redeemUserPasswordResetToken`: sets the password (the policy's BAD_USER_INPUT when it is weak: the
   * token stays usable), ends every session and the customer token, marks the email verified (which links
   * the account to its profile) and clears the email's sign-in count. A customer record without a password
   * is claimed this way, and a mailbox owner takes back an account someone else registered with it.
   */
  async redeemPasswordReset(
    emailInput: string,
    token: string,
    password: string,
    actor: Actor | null = null,
  ): Promise<PasswordResetFailure | null> {
    const found = await this.findPasswordReset(emailInput, token);
    if ('code' in found) return passwordResetFailure(found.code);
    assertPasswordAllowed(password, 'password');
    const passwordHash = await this.hasher.hash(password);
    const { row, user } = found;
    try {
      await this.tx.run(async (manager) => {
        if (!(await this.tokens.redeem(manager, row.id)))
          throw new RedemptionRefused(PasswordResetRedemptionErrorCode.TOKEN_REDEEMED);
        const verified = await this.setVerified(manager, actor, user.id, row.email, {
          passwordHash,
          ...NO_CUSTOMER_TOKEN,
        });
        if (!verified) throw new RedemptionRefused(PasswordResetRedemptionErrorCode.FAILURE); // the email changed meanwhile
        await this.sessions.endOthers(manager, user.id); // every session: whoever else was in is out
        await this.recordPasswordChanged(manager, user.id, actor);
      });
    } catch (e) {
      if (e instanceof RedemptionRefused) return passwordResetFailure(e.code);
      throw e;
    }
    await this.cache.invalidateUser(user.id);
    await this.limits.reset('signInPerEmail', sha256(row.email));
    return null;
  }

  /**
   * `user:reset-link`: a one-time reset link for an operator to hand over (no mail is sent); it replaces
   * the user's earlier link. NOT_FOUND for an unknown email (an operator may know that).
   */
  async createPasswordResetLink(emailInput: string): Promise<{ email: string; link: string; expiresAt: Date }> {
    const email = parseEmail(emailInput);
    const user = await this.users.findOne({ where: { email }, select: { id: true, email: true } });
    if (!user) throw AppError.notFound(`No user has the email ${email}`);
    const issued = await this.tx.run((manager) =>
      this.tokens.issue(manager, user.id, 'password-reset', email, this.config.passwordResetTtlMinutes * 60_000),
    );
    return { email, link: this.resetLink(email, issued.token), expiresAt: issued.expiresAt };
  }

  private async queuePasswordReset(email: string): Promise<void> {
    if (!isMailbox(email)) return; // an address no mail can go to (a quoted local part): no link to send
    await this.tx.run(async (manager) => {
      const user = await manager
        .getRepository(UserEntity)
        .findOne({ where: { email }, select: { id: true, email: true } });
      if (!user) return;
      const ttlMinutes = this.config.passwordResetTtlMinutes;
      const { token } = await this.tokens.issue(manager, user.id, 'password-reset', email, ttlMinutes * 60_000);
      const content = passwordResetMail({ link: this.resetLink(email, token), expiresInMinutes: ttlMinutes });
      await this.mail.enqueue(manager, email, content, { subjectKey: `user:${user.id}` });
    });
  }

  private resetLink(email: string, token: string): string {
    return this.mail.link(RESET_PAGE, { email, token });
  }

  /**
   * The reset token and its user, or why it cannot be used (Keystone's order: a token that is not this
   * email's current one is FAILURE, whatever else; then used; then expired). One lookup by the token's
   * hash whatever the email, so an unknown email and a wrong token take the same path.
   */
  private async findPasswordReset(
    emailInput: string,
    token: string,
  ): Promise<{ row: AccountTokenEntity; user: UserEntity } | { code: PasswordResetRedemptionErrorCode }> {
    const email = normaliseEmail(emailInput);
    const row = await this.tokens.find(this.tx.manager, 'password-reset', token);
    const user = row ? await this.users.findOne({ where: { id: row.userId } }) : null;
    if (!row || !user || row.email !== email || user.email !== email) {
      return { code: PasswordResetRedemptionErrorCode.FAILURE };
    }
    if (row.redeemedAt) return { code: PasswordResetRedemptionErrorCode.TOKEN_REDEEMED };
    if (row.expiresAt.getTime() <= Date.now()) return { code: PasswordResetRedemptionErrorCode.TOKEN_EXPIRED };
    return { row, user };
  }

  // ---- email verification -----------------------------------------------------------------------

  /**
   * Queues the verification mail of the account's current email, in the caller's transaction (the
   * registration, or the email change, that calls for it). Replaces an earlier verification link.
   */
  async queueEmailVerification(manager: EntityManager, user: UserEntity): Promise<void> {
    if (!user.email) return;
    if (!isMailbox(user.email)) {
      // the account stays unverified; an admin can change the address to one that can be mailed
      this.logger.warn({ userId: user.id }, 'No verification link was mailed: no mail can go to the address');
      return;
    }
    const ttlHours = this.config.emailVerificationTtlHours;
    const { token } = await this.tokens.issue(manager, user.id, 'email-verification', user.email, ttlHours * 3_600_000);
    const link = this.mail.link(VERIFY_PAGE, { token });
    await this.mail.enqueue(manager, user.email, emailVerificationMail({ link, expiresInHours: ttlHours }), {
      subjectKey: `user:${user.id}`,
    });
  }

  /**
   * An account's email changed (by its owner or an admin; the caller has cleared `emailVerified`): a
   * verification link to the new address, a notice to the old one. In the change's transaction.
   */
  async queueEmailChange(manager: EntityManager, user: UserEntity, previousEmail: string | null): Promise<void> {
    await this.queueEmailVerification(manager, user);
    if (previousEmail && user.email && previousEmail !== user.email && isMailbox(previousEmail)) {
      await this.mail.enqueue(manager, previousEmail, emailChangedMail({ newEmail: user.email }), {
        subjectKey: `user:${user.id}`,
      });
    }
  }

  /** `sendActiveUserEmailVerification`: a new link to the signed-in user's address (session only, limited). */
  async sendEmailVerification(actor: Actor): Promise<true> {
    await this.limits.consume('emailVerificationPerUser', actor.userId!);
    const user = await this.users.findOneOrFail({ where: { id: actor.userId } });
    if (user.emailVerified) throw AppError.badInput('The email address is already verified');
    if (!user.email) throw AppError.badInput('The account has no email address');
    if (!isMailbox(user.email)) throw AppError.badInput('No mail can be sent to the email address of the account');
    await this.tx.run((manager) => this.queueEmailVerification(manager, user));
    return true;
  }

  /**
   * `verifyUserEmail`: the token is the proof (no credential needed). Marks the address it was mailed to
   * verified, if it is still the account's, and links the account to its profile, in one transaction.
   * Unknown, used, expired or superseded tokens are all "Invalid or expired verification token".
   */
  async verifyEmail(token: string, actor: Actor | null = null): Promise<UserEntity> {
    const invalid = () => AppError.badInput(INVALID_VERIFICATION_TOKEN, { field: 'token' });
    const row = await this.tokens.find(this.tx.manager, 'email-verification', token);
    if (!row || row.redeemedAt || row.expiresAt.getTime() <= Date.now()) throw invalid();
    return this.tx.run(async (manager) => {
      if (!(await this.tokens.redeem(manager, row.id))) throw invalid();
      const user = await this.setVerified(manager, actor, row.userId, row.email);
      if (!user) throw invalid(); // the email changed since the link was mailed
      return user;
    });
  }

  /**
   * Marks the account's email verified (with `also`), provided it is still `email`, and runs the
   * `emailVerified` hooks (the profile link) in the same transaction. Null when the email is another one.
   */
  private async setVerified(
    manager: EntityManager,
    actor: Actor | null,
    userId: string,
    email: string,
    also: Partial<UserEntity> = {},
  ): Promise<UserEntity | null> {
    const users = manager.getRepository(UserEntity);
    const updated = await users.update({ id: userId, email }, { ...also, emailVerified: true });
    if (!updated.affected) return null;
    const user = await users.findOneByOrFail({ id: userId });
    await this.hooks.emailVerified(manager, user, actor);
    return user;
  }

  // ---- work after the answer ------------------------------------------------------------------------

  /**
   * Runs `work` once the current request has been answered, so the answer's time says nothing about
   * what the work finds. A failure is logged (without the request's values). The application waits for
   * such work before it shuts down.
   */
  private afterAnswer(what: string, work: () => Promise<void>): void {
    const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((err: unknown) => this.logger.error({ err }, `Sending the ${what} failed`))
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** Resolves once the work started after earlier answers is done (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending]);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.idle();
  }
}
