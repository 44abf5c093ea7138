/**
 * @module api/lazy-compilers
 * Route schemas compiled when a request first needs them instead of before the server listens.
 * fastify compiles a validator (ajv) and a serializer (fast-json-stringify) for every route schema
 * at start-up: about a third of the daemon's start-up time, for routes most daemons never serve.
 * These factories wrap fastify's own compilers (same options, same results) and only defer the
 * work; test/api/lazy-compilers.test.ts builds the server with fastify's eager compilers too, so
 * a broken schema fails there rather than on some later request.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type CompilersFactory = NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>;

/** What fastify hands a compiler for one schema of one route. */
interface RouteSchema {
  schema?: unknown;
  method: string;
  url: string;
}

/** A compiled validator; fastify reads `.errors` after a call that returned false. */
interface Validate {
  (data: unknown): unknown;
  errors?: unknown;
}

type Compiler<F> = (route: RouteSchema) => F;
type Factory<F> = (externalSchemas: unknown, options: unknown) => Compiler<F>;

/** Defers `factory`'s compiler to its first use and each route's compilation to its first call. */
function deferred<F extends (arg: never) => unknown>(factory: Factory<F>, wrap: (compileRoute: () => F) => F): Factory<F> {
  return (externalSchemas, options) => {
    let compiler: Compiler<F> | undefined;
    return (route) => {
      let compiled: F | undefined;
      return wrap(() => (compiled ??= (compiler ??= factory(externalSchemas, options))(route)));
    };
  };
}

/** fastify's own compilers (same options, same results), each schema compiled on first use. */
export function lazyCompilers(): CompilersFactory {
  const buildValidator = deferred<Validate>(AjvCompiler() as unknown as Factory<Validate>, (compiled) => {
    const validate: Validate = (data) => {
      const inner = compiled();
      const result = inner(data);
      validate.errors = inner.errors;
      return result;
    };
    return validate;
  });
  const buildSerializer = deferred<(doc: unknown) => string>(SerializerSelector() as unknown as Factory<(doc: unknown) => string>, (compiled) => (doc) => compiled()(doc));
  // fastify types these factories as ajv's and fast-json-stringify's own; ours have the same call shapes.
  return { buildValidator, buildSerializer } as unknown as CompilersFactory;
}
