import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AddressModule } from './address/address.module';
import { AuditModule } from './audit/audit.module';
import { ApiTokenModule } from './auth/api-token.module';
import { ConsoleModule } from './console/console.module';
import { AuthModule } from './auth/auth.module';
import { ErrorFormatsModule } from './common/error-formats';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { RateLimitModule } from './common/rate-limit.module';
import { RedisModule } from './common/redis.module';
import { InputRulesPipe } from './common/input-rules.pipe';
import { InputValidationPipe } from './common/validation';
import { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { CustomerGroupModule } from './customer-group/customer-group.module';
import { DatabaseModule } from './database/database.module';
import { AppGraphqlModule } from './graphql/graphql.module';
import { HealthModule } from './health/health.module';
import { IdentityModule } from './identity/identity.module';
import { PartnerApiModule } from './identity/partner-api/partner-api.module';
import { PrivacyModule } from './privacy/privacy.module';
import { MailModule } from './mail/mail.module';
import { OutboxModule } from './outbox/outbox.module';
import { MetricsModule } from './common/metrics.module';
import { UserModule } from './user/user.module';
import { WebhookModule } from './webhooks/webhook.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ErrorFormatsModule,
        RedisModule,
        RateLimitModule,
        DatabaseModule.forRoot(config),
        MetricsModule,
        AuditModule,
        AppGraphqlModule,
        AuthModule,
        HealthModule,
        UserModule,
        AddressModule,
        CustomerGroupModule,
        ApiTokenModule,
        IdentityModule,
        PartnerApiModule,
        PrivacyModule,
        OutboxModule,
        MailModule,
        WebhookModule,
        ConsoleModule,
      ],
      providers: [
        { provide: APP_PIPE, useClass: InputRulesPipe },
        {
          provide: APP_PIPE,
          useValue: new InputValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
        },
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
      ],
    };
  }
}
