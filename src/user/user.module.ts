import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AddressModule } from '../address/address.module';
import { CustomerGroupModule } from '../customer-group/customer-group.module';
import { AccountHooks } from './account-hooks';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { OperatorService } from './operator.service';
import { RoleEntity } from './role.entity';
import { RoleResolver } from './role.resolver';
import { RoleService } from './role.service';
import { UserEntity } from './user.entity';
import { UserResolver } from './user.resolver';
import { UserService } from './user.service';
import { UserStorefrontResolver } from './user-storefront.resolver';

/**
 * Accounts: users and roles, registration, the signed-in user's profile and the admin operations
 * (SPEC §3.1). Calls run one way: user → address, customer-group; other modules hear of account changes
 * through AccountHooks. Sign-in, sessions and tokens are the auth module's.
 */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity, RoleEntity]), DiscoveryModule, AddressModule, CustomerGroupModule],
  providers: [
    UserService,
    RoleService,
    AccountHooks,
    AdminBootstrapService,
    OperatorService,
    UserResolver,
    UserStorefrontResolver,
    RoleResolver,
  ],
  exports: [UserService, AccountHooks, AdminBootstrapService],
})
export class UserModule {}
