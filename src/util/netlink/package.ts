/**
 * @module util/netlink/package
 * The parts of the `netlink` package that fsevd uses, imported from their own files. The
 * package's index also loads its nl80211, rtnetlink and WireGuard tables, which fsevd never needs
 * and which cost about 80 ms of CPU and 7 MiB at every daemon start.
 */
export { Protocol } from 'netlink/dist/constants.js';
export { createGenericNetlink } from 'netlink/dist/genl/genl.js';
export * as genl from 'netlink/dist/genl/structs.js';
export { RawNetlinkSocket, type MessageInfo } from 'netlink/dist/raw.js';
