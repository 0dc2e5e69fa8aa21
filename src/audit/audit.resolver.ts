import { Args, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Allow, FieldAllow } from '../auth/decorators';
import { Permission } from '../auth/permissions';
import { User } from '../user/user.model';
import { toAuditEvent } from './audit.mapper';
import { AuditEvent, AuditEventsArgs, AuditPageArgs } from './audit.model';
import { AuditService } from './audit.service';

const DEFAULT_TAKE = 50;

@Resolver(() => AuditEvent)
export class AuditResolver {
  constructor(private readonly audit: AuditService) {}

  @Query(() => [AuditEvent], { description: 'The audit trail, newest first (canReadAudit); take at most 500' })
  @Allow(Permission.CanReadAudit)
  async auditEvents(@Args() args: AuditEventsArgs): Promise<AuditEvent[]> {
    const rows = await this.audit.list(args.where ?? {}, args.take ?? DEFAULT_TAKE, args.skip ?? 0);
    return rows.map(toAuditEvent);
  }
}

@Resolver(() => User)
export class UserHistoryResolver {
  constructor(private readonly audit: AuditService) {}

  @ResolveField(() => [AuditEvent], {
    description:
      'The audit entries about this user (their account, addresses, sessions, groups), newest first: needs canReadAudit',
  })
  @FieldAllow(Permission.CanReadAudit)
  async history(@Parent() user: User, @Args() args: AuditPageArgs): Promise<AuditEvent[]> {
    const rows = await this.audit.list({ userId: user.id }, args.take ?? DEFAULT_TAKE, args.skip ?? 0);
    return rows.map(toAuditEvent);
  }
}
