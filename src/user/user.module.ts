import { Module } from '@nestjs/common';

/** accounts: users, roles, sessions, sign-in, customer tokens (SPEC §2, §3.1) */
@Module({})
export class UserModule {}
