import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { CreatedAt, IdColumn, UpdatedAt } from '../database/columns';
import { UserEntity } from '../user/user.entity';

@Entity('customer_groups')
export class CustomerGroupEntity {
  @IdColumn() id!: string;
  @Index('uq_customer_groups_name', { unique: true })
  @Column({ type: 'varchar', length: 100 })
  name!: string;
  @Column({ type: 'simple-json', nullable: true }) metadata!: Record<string, unknown> | null;
  @CreatedAt() createdAt!: Date;
  @UpdatedAt() updatedAt!: Date;
}

/** Membership of a user in a customer group (many-to-many, both sides cascade). */
@Entity('customer_group_users')
export class CustomerGroupUserEntity {
  @PrimaryColumn({ name: 'customer_group_id', type: 'varchar', length: 36 }) customerGroupId!: string;
  @Index('ix_customer_group_users_user')
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;
  @ManyToOne(() => CustomerGroupEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_group_id' })
  group?: CustomerGroupEntity;
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;
}
