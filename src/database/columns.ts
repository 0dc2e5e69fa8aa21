import { randomUUID } from 'node:crypto';
import { Column, ColumnOptions, CreateDateColumn, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * Column helpers that map to the same logical type on both engines:
 * `Date` becomes `datetime` on SQLite and `timestamp` on PostgreSQL (UTC).
 */
export const DateTimeColumn = (options: ColumnOptions = {}) => Column({ type: Date, ...options });
export const CreatedAt = () => CreateDateColumn({ type: Date, name: 'created_at' });
export const UpdatedAt = () => UpdateDateColumn({ type: Date, name: 'updated_at' });
/** UUID primary keys are generated in the application, so inserts need no round trip to learn the id. */
export const IdColumn = () => PrimaryColumn({ type: 'varchar', length: 36 });
export const newId = (): string => randomUUID();
