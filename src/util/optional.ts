/**
 * @module util/optional
 * Optional properties without `undefined` values: spread `...optional('key', value)` into an
 * object literal so that an absent value leaves the key out (JSON schemas and deepEqual care).
 */

/** `{ [key]: value }`, or `{}` when value is undefined. */
export function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
