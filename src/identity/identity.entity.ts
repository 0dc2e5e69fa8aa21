import { Column, Entity, Index, JoinColumn, ManyToOne, OneToOne, PrimaryColumn } from 'typeorm';
import { CreatedAt, DateTimeColumn, IdColumn, UpdatedAt } from '../database/columns';
import { UserEntity } from '../user/user.entity';
import { SEGMENT_INDEX_WHERE } from './segment-query';

/**
 * An identity profile: one person as the marketing APIs see them. Its `id` is Insider's `insider_id`
 * and the GraphQL `Identity.id` (time-ordered: time-ordered-id.ts). A profile may be linked to one
 * account (`user_id`, unique through the one-to-one relation's constraint).
 */
@Entity('identity_profiles')
export class IdentityProfileEntity {
  @IdColumn() id!: string;
  @Column({ name: 'user_id', type: 'varchar', length: 36, nullable: true })
  userId!: string | null;
  @OneToOne(() => UserEntity, { onDelete: 'SET NULL', nullable: true })
  @JoinColumn({ name: 'user_id' })
  user?: UserEntity | null;
  @CreatedAt() createdAt!: Date;
  @UpdatedAt() updatedAt!: Date;
}

/**
 * An identifier of a profile. `type` is `uuid`, `email`, `phone_number` or `custom:<name>`; `value` is
 * normalised (emails lower-cased, phones E.164). A value belongs to one profile (unique type+value), and a
 * profile holds at most one value of each type (unique profile+type).
 */
@Entity('identity_identifiers')
@Index('uq_identity_identifiers_type_value', ['type', 'value'], { unique: true })
@Index('uq_identity_identifiers_profile_type', ['profileId', 'type'], { unique: true })
export class IdentityIdentifierEntity {
  @IdColumn() id!: string;
  @Column({ name: 'profile_id', type: 'varchar', length: 36 }) profileId!: string;
  @ManyToOne(() => IdentityProfileEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_id' })
  profile?: IdentityProfileEntity;
  @Column({ type: 'varchar', length: 72 }) type!: string;
  @Column({ type: 'varchar', length: 255 }) value!: string;
  @CreatedAt() createdAt!: Date;
}

/**
 * An attribute of a profile. `key` is the attribute name for Insider's default attributes and
 * `c_<name>` for custom ones (the same prefix Insider's /profile uses). `value` is the JSON encoding of
 * the value (types are kept); `value_key` is the SHA-256 of its string form, so segment lookups by
 * name and value use an index whatever the value's length.
 *
 * The segment index holds custom attributes only (segments name nothing else), each value's profiles
 * in id order: a page of a segment is a range of it, an AND a merge of ranges (segment-query.ts).
 */
@Entity('identity_attributes')
@Index('ix_identity_attributes_segment', ['key', 'valueKey', 'profileId'], { where: SEGMENT_INDEX_WHERE })
export class IdentityAttributeEntity {
  @PrimaryColumn({ name: 'profile_id', type: 'varchar', length: 36 }) profileId!: string;
  @PrimaryColumn({ type: 'varchar', length: 130 }) key!: string;
  @ManyToOne(() => IdentityProfileEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_id' })
  profile?: IdentityProfileEntity;
  @Column({ type: 'text' }) value!: string;
  @Column({ name: 'value_key', type: 'varchar', length: 64 }) valueKey!: string;
  @UpdatedAt() updatedAt!: Date;
}

/** A behavioural event of a profile (Insider upsert `events`). */
@Entity('identity_events')
@Index('ix_identity_events_profile_time', ['profileId', 'timestamp'])
export class IdentityEventEntity {
  @IdColumn() id!: string;
  @Column({ name: 'profile_id', type: 'varchar', length: 36 }) profileId!: string;
  @ManyToOne(() => IdentityProfileEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_id' })
  profile?: IdentityProfileEntity;
  @Column({ name: 'event_name', type: 'varchar', length: 128 }) eventName!: string;
  @DateTimeColumn() timestamp!: Date;
  @Column({ type: 'simple-json' }) params!: Record<string, unknown>;
  @CreatedAt() createdAt!: Date;
}

/** Insider's IRM settings: one row (id 1). */
@Entity('identity_settings')
export class IdentitySettingsEntity {
  @PrimaryColumn({ type: 'integer' }) id!: number;
  @Column({ name: 'enabled_identifiers', type: 'simple-json' }) enabledIdentifiers!: string[];
  @Column({ name: 'custom_identifiers', type: 'simple-json' }) customIdentifiers!: string[];
  @Column({ name: 'blocked_values', type: 'simple-json' }) blockedValues!: string[];
  /** an Insider /upsert user whose identifiers belong to several profiles merges them (SPEC §10) */
  @Column({ name: 'merge_on_upsert', type: 'boolean', default: false }) mergeOnUpsert!: boolean;
  @UpdatedAt() updatedAt!: Date;
}

/**
 * What the service has seen written, for Insider's metadata columns (`POST /api/user/v3/metadata/columns`):
 * each custom attribute (`kind` attribute, `name` its key `c_<name>`), each event name (`kind` event)
 * and each parameter of an event (`kind` param, under `event_name`; custom ones `c_<name>`), with the
 * type of the first value seen. Written with the data that brings a new name, never deleted, and
 * read whole: it is as small as the number of distinct names, however many profiles there are.
 */
@Entity('identity_catalogue')
export class IdentityCatalogueEntity {
  @PrimaryColumn({ type: 'varchar', length: 9 }) kind!: 'attribute' | 'event' | 'param';
  /** the event of a param; '' otherwise */
  @PrimaryColumn({ name: 'event_name', type: 'varchar', length: 128 }) eventName!: string;
  @PrimaryColumn({ type: 'varchar', length: 255 }) name!: string;
  @Column({ type: 'varchar', length: 16 }) type!: string;
  @CreatedAt() createdAt!: Date;
}

/**
 * An identifier that was a merged profile's and now leads to the survivor (SPEC §10): a merged
 * profile's identifier of a type the survivor already had, or `insider_id` with the merged profile's
 * id. Every lookup by identifier or insider_id falls back to it. `merge_id` is the merge that made it
 * (unmerge removes it). Deleted with its profile.
 */
@Entity('identity_aliases')
@Index('uq_identity_aliases_type_value', ['type', 'value'], { unique: true })
export class IdentityAliasEntity {
  @IdColumn() id!: string;
  @Index('ix_identity_aliases_profile')
  @Column({ name: 'profile_id', type: 'varchar', length: 36 })
  profileId!: string;
  @ManyToOne(() => IdentityProfileEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'profile_id' })
  profile?: IdentityProfileEntity;
  @Column({ type: 'varchar', length: 72 }) type!: string;
  @Column({ type: 'varchar', length: 255 }) value!: string;
  @Index('ix_identity_aliases_merge')
  @Column({ name: 'merge_id', type: 'varchar', length: 36 })
  mergeId!: string;
  @CreatedAt() createdAt!: Date;
}

/** The merges whose snapshot is still kept (not undone, not past the unmerge window yet). */
export const SNAPSHOT_KEPT_WHERE = "snapshot <> '{}'";

/**
 * A merge of profiles into a survivor (SPEC §10), with what it needs to be undone for UNMERGE_DAYS (90):
 * `snapshot` holds the merged profiles as they were (rows of every identity table) and the survivor's
 * values the merge changed; it is emptied (`{}`) by an unmerge, or by the retention job once the window
 * has passed (`ix_identity_merges_snapshot_kept` finds those, whatever the number of emptied ones).
 * `conflicts` lists every value dropped. Deleted when a person in it is erased.
 */
@Entity('identity_merges')
@Index('ix_identity_merges_snapshot_kept', ['createdAt'], { where: SNAPSHOT_KEPT_WHERE })
export class IdentityMergeEntity {
  @IdColumn() id!: string;
  @Index('ix_identity_merges_survivor')
  @Column({ name: 'survivor_id', type: 'varchar', length: 36 })
  survivorId!: string;
  @Column({ name: 'merged_ids', type: 'simple-json' }) mergedIds!: string[];
  @Column({ type: 'simple-json' }) conflicts!: object[];
  @Column({ type: 'simple-json' }) snapshot!: object;
  /** who merged: `user:<id>`, `token:<id>`, `system:<why>` */
  @Column({ type: 'varchar', length: 80 }) actor!: string;
  @Column({ type: 'varchar', length: 500, nullable: true }) reason!: string | null;
  @CreatedAt() createdAt!: Date;
  @DateTimeColumn({ name: 'unmerged_at', nullable: true }) unmergedAt!: Date | null;
}

/** Which profiles a merge touched (survivor and merged), so `identityMerges(where: { profileId })` uses an index. */
@Entity('identity_merge_profiles')
export class IdentityMergeProfileEntity {
  @PrimaryColumn({ name: 'merge_id', type: 'varchar', length: 36 }) mergeId!: string;
  @ManyToOne(() => IdentityMergeEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'merge_id' })
  merge?: IdentityMergeEntity;
  @Index('ix_identity_merge_profiles_profile')
  @PrimaryColumn({ name: 'profile_id', type: 'varchar', length: 36 })
  profileId!: string;
}

/**
 * An erased identifier whose later writes are refused (`eraseIdentity(suppress: true)`): only the
 * SHA-256 of `type:value`, never the value. Registering an account with a suppressed email lifts it.
 */
@Entity('identity_suppressions')
export class IdentitySuppressionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 }) hash!: string;
  @CreatedAt() createdAt!: Date;
}

/** The receipt of an erasure: when, and how many rows of each kind; no personal data. */
@Entity('identity_erasures')
export class IdentityErasureEntity {
  @IdColumn() id!: string;
  @Column({ type: 'simple-json' }) counts!: Record<string, number>;
  @Column({ type: 'varchar', length: 80 }) actor!: string;
  @CreatedAt() createdAt!: Date;
}
