import { CustomerGroup } from './customer-group.model';
import { CustomerGroupEntity } from './customer-group.entity';

export function toCustomerGroup(entity: CustomerGroupEntity): CustomerGroup {
  return {
    id: entity.id,
    name: entity.name,
    metadata: entity.metadata,
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}
