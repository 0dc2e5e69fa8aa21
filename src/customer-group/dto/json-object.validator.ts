import { ValidateBy, ValidationOptions } from 'class-validator';

/** The most a `metadata` JSON object may take, serialised as UTF-8 JSON. */
export const MAX_METADATA_BYTES = 16 * 1024;

/** A plain JSON object (not an array, string or number) of at most `maxBytes` bytes serialised. */
export function IsJsonObject(maxBytes = MAX_METADATA_BYTES, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isJsonObject',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'object' &&
          value !== null &&
          !Array.isArray(value) &&
          Buffer.byteLength(JSON.stringify(value), 'utf8') <= maxBytes,
        defaultMessage: (args) => {
          const value = args?.value;
          if (typeof value !== 'object' || value === null || Array.isArray(value)) {
            return `${args?.property} must be a JSON object`;
          }
          return `${args?.property} must be at most ${maxBytes} bytes as JSON`;
        },
      },
    },
    options,
  );
}
