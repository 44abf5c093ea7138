/**
 * @module util/listen
 * Parses HOST:PORT listen addresses ("127.0.0.1:9742", "[::1]:9742", "localhost:0").
 */
import { ConfigError } from '../errors.ts';

/** Host and port of a listen address; throws ConfigError when malformed. */
export function parseListen(address: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(address);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65_535) throw new ConfigError([`/listen: expected HOST:PORT with a port up to 65535 (got ${JSON.stringify(address)})`]);
  return { host: (match[1] ?? match[2])!, port };
}
