import { UseGuards } from '@nestjs/common';
import { Args, Int, Mutation, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { Actor as ActorType } from '../auth/actor';
import { Actor, Allow, Public, ReturnsOwnAccount } from '../auth/decorators';
import { Access, Permission } from '../auth/permissions';
import { LoaderRegistry, Loaders, indexBy } from '../common/loaders';
import { RateLimit, RateLimitGuard } from '../common/rate-limit.guard';
import {
  UserCreateInput,
  UserRegisterInput,
  UserUpdateInput,
  UserUpdateProfileInput,
  UsersArgs,
  UserWhereInput,
} from './dto/user.input';
import { UserWhereUniqueInput } from './dto/user-where-unique.input';
import { toRole, toUser } from './user.mapper';
import { Role, User } from './user.model';
import { UserService } from './user.service';

@Resolver(() => User)
export class UserResolver {
  constructor(private readonly userService: UserService) {}

  @Query(() => User, { nullable: true, description: 'canReadUsers; a customer sees only their own record' })
  @Allow(Access.Authenticated)
  async user(@Actor() actor: ActorType, @Args('where') where: UserWhereUniqueInput) {
    const user = await this.userService.findOne(actor, where);
    return user && toUser(user);
  }

  @Query(() => [User], { description: 'canReadUsers; a customer sees only their own record' })
  @Allow(Access.Authenticated)
  async users(@Actor() actor: ActorType, @Args() args: UsersArgs) {
    return (await this.userService.findMany(actor, args)).map(toUser);
  }

  @Query(() => Int)
  @Allow(Access.Authenticated)
  usersCount(
    @Actor() actor: ActorType,
    @Args('where', { type: () => UserWhereInput, nullable: true }) where?: UserWhereInput,
  ) {
    return this.userService.count(actor, where);
  }

  @Mutation(() => User, { nullable: true })
  @Public()
  @ReturnsOwnAccount()
  @UseGuards(RateLimitGuard)
  @RateLimit('registerPerAddress')
  async registerUser(@Args('data') data: UserRegisterInput, @Actor() actor: ActorType) {
    return toUser(await this.userService.register(data, actor));
  }

  @Mutation(() => User, { nullable: true })
  @Allow(Access.Authenticated)
  async updateActiveUser(@Actor() actor: ActorType, @Args('data') data: UserUpdateProfileInput) {
    return toUser(await this.userService.updateActiveUser(actor, data));
  }

  @Mutation(() => User, { nullable: true })
  @Allow(Permission.CanManageUsers)
  async createUser(@Actor() actor: ActorType, @Args('data') data: UserCreateInput) {
    return toUser(await this.userService.create(actor, data));
  }

  @Mutation(() => User, { nullable: true })
  @Allow(Permission.CanManageUsers)
  async updateUser(
    @Actor() actor: ActorType,
    @Args('where') where: UserWhereUniqueInput,
    @Args('data') data: UserUpdateInput,
  ) {
    return toUser(await this.userService.update(actor, where, data));
  }

  @Mutation(() => User, { nullable: true, description: 'Returns the deleted user' })
  @Allow(Permission.CanManageUsers)
  async deleteUser(@Actor() actor: ActorType, @Args('where') where: UserWhereUniqueInput) {
    return toUser(await this.userService.delete(actor, where));
  }

  @ResolveField(() => Role, { nullable: true })
  async role(@Parent() user: User, @Loaders() loaders: LoaderRegistry) {
    if (!user.roleId) return null;
    const role = await loaders
      .get<string, Role | null>('User.role', async (ids) =>
        indexBy(ids, (await this.userService.rolesByIds(ids)).map(toRole), (r) => r.id),
      )
      .load(user.roleId);
    return role;
  }
}
