/**
 * @module api/config
 * The `api` section of the configuration: tokens and their roles, TLS, and the limits that keep a
 * hostile or broken client from costing the daemon more than its share. Composed into
 * src/config/schema.ts. Everything but `tls` applies at once on a config reload.
 */
import { Type, type Static } from '@sinclair/typebox';

/** What a token may do: `read` queries and subscribes; `admin` also changes and injects. */
export const roles = ['read', 'admin'] as const;

const tokenSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, description: 'Who holds the token; appears in the log, never the secret.' }),
    role: Type.Union(roles.map((role) => Type.Literal(role)), { description: 'read: query and subscribe; admin: also change thresholds and rules, inject test events.' }),
    token: Type.String({
      minLength: 16,
      description: 'The secret (at least 16 characters), or sha256:HEX of it so that the file need not hold the secret.',
    }),
  },
  { additionalProperties: false },
);

/** The `api` configuration section. */
export const apiConfigSchema = Type.Object(
  {
    tokens: Type.Array(tokenSchema, {
      default: [],
      description: 'Bearer tokens (Authorization: Bearer SECRET) with their role. With none, reads are open to loopback clients only and changes are refused.',
    }),
    loopbackReads: Type.Boolean({ default: true, description: 'Loopback clients may read (query, subscribe) without a token even when tokens are configured.' }),
    allowedOrigins: Type.Array(Type.String({ pattern: '^(\\*|https?://[^/?#\\s]+/?)$' }), {
      default: [],
      description:
        'Web origins (scheme://host[:port]) besides the daemon\'s own whose pages may call the API and open streams; a request with any other Origin header gets 403. "*" allows every origin. Clients that are not browsers send no Origin.',
    }),
    allowedHosts: Type.Array(Type.String({ pattern: '^(\\*|[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?)$' }), {
      default: [],
      description:
        'Host names besides IP addresses, localhost and the machine\'s host name under which token-less loopback reads are served (aliases, FQDNs, a local proxy\'s name); other Host headers get 403 (DNS rebinding). "*" turns the check off.',
    }),
    tls: Type.Object(
      {
        cert: Type.String({ default: '', description: 'PEM certificate (chain) file; with tls.key, the port serves HTTPS and WSS. Applies after a restart.' }),
        key: Type.String({ default: '', description: 'PEM private key file of tls.cert.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    limits: Type.Object(
      {
        connections: Type.Integer({ minimum: 1, default: 4096, description: 'Open WebSocket and SSE streams at most; more are refused with 503.' }),
        subscriptionsPerConnection: Type.Integer({ minimum: 1, default: 16, description: 'Subscriptions one WebSocket may hold at once.' }),
        messageBytes: Type.Integer({ minimum: 1024, default: 65_536, description: 'Largest WebSocket message accepted from a client (larger: close code 1009).' }),
        requestsPerSecond: Type.Integer({ minimum: 1, default: 500, description: 'Sustained HTTP requests plus WebSocket messages per client address (429 beyond).' }),
        requestBurst: Type.Integer({ minimum: 1, default: 1000, description: 'Requests a client address may send at once above the sustained rate.' }),
      },
      { additionalProperties: false, default: {} },
    ),
    heartbeatSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 30, description: 'Period of WebSocket pings and SSE keep-alive comments; a peer silent for two periods is dropped.' }),
  },
  { additionalProperties: false, default: {} },
);

/** A validated `api` section. */
export type ApiConfig = Static<typeof apiConfigSchema>;

/** One configured token. */
export type ApiToken = ApiConfig['tokens'][number];

/** A token role. */
export type Role = (typeof roles)[number];
