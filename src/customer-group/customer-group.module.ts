import { Module } from '@nestjs/common';

/** customer groups (SPEC §3.3) */
@Module({})
export class CustomerGroupModule {}
