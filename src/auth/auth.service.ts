import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppError } from '../common/app-error';
import { normaliseEmail } from '../common/normalise';
import { RateLimitService } from '../common/rate-limit.service';
import { TransactionService } from '../database/transaction.service';
import { NO_CUSTOMER_TOKEN, UserEntity } from '../user/user.entity';
import { Actor } from './actor';
import { CredentialCacheService } from './credential-cache.service';
import { PasswordHasher } from './password-hasher';
import { assertPasswordAllowed, PASSWORD_MAX } from './password-policy';
import { SessionService } from './session.service';
import { CUSTOMER_TOKEN_PREFIX, randomToken, sha256 } from './tokens';

export const AUTH_FAILED = 'Authentication failed.';

export type SignInResult = { sessionToken: string; item: UserEntity } | { message: string };

/**
 * Credentials of an account (SPEC §2, §3.1, §6; Keystone names): sign-in and sign-out, the signed-in
 * user, password change, customer tokens. Every limit is counted before the work it protects.
 */
@Injectable()
export class AuthService {
  constructor(
    @InjectRepository(UserEntity) private readonly users: Repository<UserEntity>,
    private readonly tx: TransactionService,
    private readonly hasher: PasswordHasher,
    private readonly cache: CredentialCacheService,
    private readonly sessions: SessionService,
    private readonly limits: RateLimitService,
  ) {}

  /**
   * Keystone's authenticateUserWithPassword. The same answer, in about the same time, for an unknown
   * email and a wrong password. Every attempt is counted per email before the password is verified (and
   * per client address by the resolver's guard); a success clears the email's count.
   */
  async signIn(emailInput: string, password: string): Promise<SignInResult> {
    const email = normaliseEmail(emailInput);
    const emailKey = sha256(email); // no address in the limiter's keys
    await this.limits.consume('signInPerEmail', emailKey);
    // An over-long password cannot be right (the policy caps it): no need to hash megabytes.
    const user = email && password.length <= PASSWORD_MAX ? await this.users.findOne({ where: { email } }) : null;
    const ok = await this.hasher.verify(user?.passwordHash, password.slice(0, PASSWORD_MAX));
    if (!user || !ok) return { message: AUTH_FAILED };
    const sessionToken = await this.sessions.start(user.id);
    await this.limits.reset('signInPerEmail', emailKey); // the owner got in: earlier failures no longer count
    return { sessionToken, item: user };
  }

  /** `authenticatedItem`: the signed-in user, or null when anonymous (or an API token). */
  async me(actor: Actor): Promise<UserEntity | null> {
    if (!actor.userId) return null;
    return this.users.findOne({ where: { id: actor.userId } });
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
      return users.findOneByOrFail({ id: user.id });
    });
    await this.cache.invalidateUser(user.id);
    return updated;
  }

  /** A new customer token ("ctok_" + 64 hex); the previous one stops working at once. */
  async regenerateCustomerToken(actor: Actor): Promise<{ success: boolean; token: string }> {
    const token = `${CUSTOMER_TOKEN_PREFIX}${randomToken()}`;
    await this.tx.run((manager) =>
      manager
        .getRepository(UserEntity)
        .update({ id: actor.userId }, { customerTokenHash: sha256(token), tokenGeneratedAt: new Date() }),
    );
    await this.cache.invalidateUser(actor.userId!);
    return { success: true, token };
  }

  /** `endSession`: ends the session that sent it; false when there is none (a token, or anonymous). */
  async signOut(actor: Actor): Promise<boolean> {
    if (!actor.sessionId) return false;
    await this.sessions.end(actor.sessionId);
    return true;
  }
}
