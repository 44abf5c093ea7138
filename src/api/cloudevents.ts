/**
 * @module api/cloudevents
 * The CloudEvents 1.0 form of an event (structured JSON mode), for WebSocket and SSE subscribers
 * that ask for `format: cloudevents` and for webhooks. The mapping:
 * - `id`: the event's seq (unique per node, and the node is in `source`);
 * - `source`: `/fsevd/NODE` (URI-reference, the node name percent-encoded);
 * - `type`: `fsevd.TYPE`, e.g. `fsevd.ERR_REMOUNT_RO`;
 * - `subject`: the mount point, when the event concerns a mount;
 * - `time`: the event's time; `data`: the whole fsevd event (so nothing is lost, seq included);
 * - extensions `severity` and `eventclass`, so brokers can route without parsing data.
 */
import type { FsEvent } from '../collector/types.ts';

/** Content type of one CloudEvent in structured mode (HTTP body of a webhook). */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/** Content type of a JSON array of CloudEvents (batched mode). */
export const CLOUDEVENTS_BATCH_CONTENT_TYPE = 'application/cloudevents-batch+json';

/** A CloudEvents 1.0 event carrying an fsevd event. */
export interface CloudEvent {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype: 'application/json';
  severity: string;
  eventclass: string;
  data: FsEvent;
}

/** The CloudEvents form of an event. */
export function toCloudEvent(event: FsEvent): CloudEvent {
  const cloudEvent: CloudEvent = {
    specversion: '1.0',
    id: String(event.seq),
    source: `/fsevd/${encodeURIComponent(event.node)}`,
    type: `fsevd.${event.type}`,
    time: event.time,
    datacontenttype: 'application/json',
    severity: event.severity,
    eventclass: event.class,
    data: event,
  };
  if (event.mountpoint !== undefined) cloudEvent.subject = event.mountpoint;
  return cloudEvent;
}
