import { Global, Module } from '@nestjs/common';
import { AuditAccountListener } from './audit-account.listener';
import { AuditStore } from './audit-store';
import { AuditResolver, UserHistoryResolver } from './audit.resolver';
import { AuditService } from './audit.service';

/** The audit trail: AuditService for every module that records changes (global), its queries. */
@Global()
@Module({
  providers: [AuditStore, AuditService, AuditAccountListener, AuditResolver, UserHistoryResolver],
  exports: [AuditService],
})
export class AuditModule {}
