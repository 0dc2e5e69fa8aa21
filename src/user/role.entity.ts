import { Column, Entity, Index } from 'typeorm';
import { CreatedAt, IdColumn, UpdatedAt } from '../database/columns';

@Entity('roles')
export class RoleEntity {
  @IdColumn() id!: string;
  @Index('uq_roles_name', { unique: true })
  @Column({ type: 'varchar', length: 100 })
  name!: string;
  @Column({ name: 'can_read_users', type: 'boolean', default: false }) canReadUsers!: boolean;
  @Column({ name: 'can_manage_users', type: 'boolean', default: false }) canManageUsers!: boolean;
  @Column({ name: 'can_manage_identities', type: 'boolean', default: false }) canManageIdentities!: boolean;
  @Column({ name: 'can_manage_api_tokens', type: 'boolean', default: false }) canManageApiTokens!: boolean;
  @Column({ name: 'can_manage_roles', type: 'boolean', default: false }) canManageRoles!: boolean;
  @Column({ name: 'can_read_audit', type: 'boolean', default: false }) canReadAudit!: boolean;
  @Column({ name: 'can_manage_webhooks', type: 'boolean', default: false }) canManageWebhooks!: boolean;
  @CreatedAt() createdAt!: Date;
  @UpdatedAt() updatedAt!: Date;
}
