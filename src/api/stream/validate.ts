/**
 * @module api/stream/validate
 * Validation of what stream clients send (WebSocket messages, SSE and REST filter parameters)
 * with one readable line per refusal: TypeBox's own wording, made specific for enumerations,
 * which it words as "Expected union value".
 */
import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

/** A compiled validator returning the first problem as one line, or undefined when valid. */
export type Validator = (value: unknown) => string | undefined;

/** Compiles `schema` once. */
export function validator(schema: TSchema): Validator {
  const check: TypeCheck<TSchema> = TypeCompiler.Compile(schema);
  return (value) => {
    const error = check.Errors(value).First();
    if (!error) return undefined;
    const anyOf = (error.schema as { anyOf?: Array<{ const?: unknown }> }).anyOf;
    const message = anyOf?.every((branch) => 'const' in branch)
      ? `must be one of ${anyOf.map((b) => String(b.const)).join(', ')} (got ${JSON.stringify(error.value)})`
      : error.message;
    return `${error.path || '/'}: ${message}`;
  };
}
