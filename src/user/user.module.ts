import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AddressModule } from '../address/address.module';
import { AuthResolver } from '../auth/auth.resolver';
import { SessionEntity } from '../auth/session.entity';
import { SessionService } from '../auth/session.service';
import { CustomerGroupModule } from '../customer-group/customer-group.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { RoleEntity } from './role.entity';
import { RoleResolver } from './role.resolver';
import { RoleService } from './role.service';
import { UserEntity } from './user.entity';
import { UserResolver } from './user.resolver';
import { UserService } from './user.service';
import { UserStorefrontResolver } from './user-storefront.resolver';

/** Accounts: users, roles, sessions, sign-in, customer tokens (SPEC §2, §3.1). */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, RoleEntity, SessionEntity]), AddressModule, CustomerGroupModule],
  providers: [
    UserService,
    RoleService,
    SessionService,
    AdminBootstrapService,
    UserResolver,
    UserStorefrontResolver,
    RoleResolver,
    AuthResolver,
  ],
  exports: [UserService, AdminBootstrapService],
})
export class UserModule {}
