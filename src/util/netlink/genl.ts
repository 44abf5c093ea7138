/**
 * @module util/netlink/genl
 * Generic netlink family resolution through the controller (CTRL_CMD_GETFAMILY by name), with
 * node-netlink's request/ack machinery. The request socket lives only for the lookup. An absent
 * family is an answer (`undefined`), not an error: the kernel replies ENOENT. The controller
 * answers from memory at once, so the timeout only guards against a socket that never answers.
 */
import { createGenericNetlink, genl } from './package.ts';

/** A resolved family: its id (the nlmsg_type of its messages) and multicast groups by name. */
export interface GenlFamily {
  name: string;
  id: number;
  version: number;
  /** Highest attribute number the family declares (tells the fs_event v1 layout from v2). */
  maxattr: number;
  groups: Map<string, number>;
}

/** How long a controller request may take before the lookup fails. */
const CONTROLLER_TIMEOUT_MS = 5_000;

/**
 * Asks the controller for each name in turn and returns the first family found, or undefined
 * when none exists. Throws when the controller cannot be asked at all (socket failure, timeout).
 */
export async function resolveFamily(names: readonly string[]): Promise<GenlFamily | undefined> {
  const socket = createGenericNetlink();
  try {
    for (const name of names) {
      let replies: genl.Message[];
      try {
        replies = await socket.ctrlRequest(genl.Commands.GET_FAMILY, { familyName: name }, { timeout: CONTROLLER_TIMEOUT_MS });
      } catch (err) {
        // node-netlink turns the kernel's NLMSG_ERROR into "Request rejected: ENOENT".
        if (err instanceof Error && /\bENOENT\b/.test(err.message)) continue;
        throw err;
      }
      const reply = replies[0];
      if (reply?.familyId === undefined) continue;
      const groups = new Map<string, number>();
      for (const group of reply.mcastGroups ?? []) if (group.name !== undefined && group.id !== undefined) groups.set(group.name, group.id);
      return { name: reply.familyName ?? name, id: reply.familyId, version: reply.version ?? 0, maxattr: reply.maxattr ?? 0, groups };
    }
    return undefined;
  } finally {
    socket.socket.close();
  }
}
