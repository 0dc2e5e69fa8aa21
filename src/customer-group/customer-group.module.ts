import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserEntity } from '../user/user.entity';
import { CustomerGroupEntity, CustomerGroupUserEntity } from './customer-group.entity';
import { CustomerGroupResolver } from './customer-group.resolver';
import { CustomerGroupService } from './customer-group.service';
import { UserCustomerGroupsResolver } from './user-customer-groups.resolver';

/**
 * Customer groups (SPEC §3.3). CustomerGroupService.applyUserGroups is the accounts module's entry point
 * for `customerGroups` on createUser / updateUser.
 */
@Module({
  imports: [TypeOrmModule.forFeature([CustomerGroupEntity, CustomerGroupUserEntity, UserEntity])],
  providers: [CustomerGroupService, CustomerGroupResolver, UserCustomerGroupsResolver],
  exports: [CustomerGroupService],
})
export class CustomerGroupModule {}
