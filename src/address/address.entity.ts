import { Column, Entity, Index, JoinColumn, ManyToOne } from 'typeorm';
import { CreatedAt, IdColumn, UpdatedAt } from '../database/columns';
import { UserEntity } from '../user/user.entity';
import { CountryEntity } from './country.entity';

@Entity('addresses')
export class AddressEntity {
  @IdColumn() id!: string;
  @Index('ix_addresses_user')
  @Column({ name: 'user_id', type: 'varchar', length: 36 })
  userId!: string;
  @ManyToOne(() => UserEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity;
  @Column({ name: 'first_name', type: 'varchar', length: 100, nullable: true }) firstName!: string | null;
  @Column({ name: 'last_name', type: 'varchar', length: 100, nullable: true }) lastName!: string | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) company!: string | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) address1!: string | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) address2!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) city!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) province!: string | null;
  @Column({ name: 'postal_code', type: 'varchar', length: 20, nullable: true }) postalCode!: string | null;
  @Column({ type: 'varchar', length: 16, nullable: true }) phone!: string | null;
  @Column({ name: 'is_billing', type: 'boolean', default: false }) isBilling!: boolean;
  @Index('ix_addresses_country')
  @Column({ name: 'country_id', type: 'varchar', length: 2, nullable: true })
  countryId!: string | null;
  @ManyToOne(() => CountryEntity, { onDelete: 'RESTRICT', nullable: true })
  @JoinColumn({ name: 'country_id' })
  country?: CountryEntity | null;
  @CreatedAt() createdAt!: Date;
  @UpdatedAt() updatedAt!: Date;
}
