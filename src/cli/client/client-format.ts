import type { InboundMessage, PresenceUpdate, Receipt } from "../../client/client-events.ts";
import { STATE_NAMES } from "../../client/fan-out.ts";
import { toHex } from "../../protocol/bytes.ts";
import type { DirectoryEntry } from "../../protocol/directory.ts";
import { ContentType, contentText } from "../../protocol/e2e-content.ts";

const PRESENCE_NAMES = ["offline", "online", "away", "busy"];
const RECEIPT_NAMES: Record<number, string> = { 1: "delivered", 2: "read", 3: "failed" };

/** A 0x31 entry as one JSON object. */
export function entryJson(entry: DirectoryEntry): Record<string, unknown> {
  return {
    device_id: toHex(entry.deviceId),
    user_id: entry.userId,
    public_key: toHex(entry.publicKey),
    state: STATE_NAMES[entry.state] ?? entry.state,
    registered_at: new Date(Number(entry.registeredAtMs)).toISOString(),
    capabilities: entry.capabilities,
    presence: PRESENCE_NAMES[entry.presence] ?? entry.presence,
  };
}

/** A 0x31 entry as one line: id, user, state, presence, registration time. */
export function entryLine(entry: DirectoryEntry): string {
  const json = entryJson(entry);
  return `${json.device_id}  ${json.user_id}  ${json.state}  presence=${json.presence}  registered ${json.registered_at}`;
}

function bodyText(message: InboundMessage): string {
  const { content } = message;
  if (content.contentType === ContentType.text) return contentText(content);
  return `<${content.body.length} bytes, content_type ${content.contentType}>`;
}

/** A shown message as one JSON object (`listen --json`); a text body as text, others as base64. */
export function messageJson(message: InboundMessage): Record<string, unknown> {
  const { content } = message;
  const isText = content.contentType === ContentType.text;
  return {
    type: "message",
    message_id: message.messageId,
    from_device: message.senderId,
    from_user: message.senderUser,
    conversation: message.conversation,
    sequence: message.sequence.toString(),
    sent_at: new Date(message.sentAtMs).toISOString(),
    content_type: content.contentType,
    metadata: Object.fromEntries(content.metadata),
    ...(isText
      ? { text: contentText(content) }
      : { body_base64: Buffer.from(content.body).toString("base64") }),
    gap: message.gap,
    urgent: message.urgent,
  };
}

/** A shown message as one line: time, sender user and device, text. */
export function messageLine(message: InboundMessage): string {
  const gap = message.gap ? " [earlier messages missing]" : "";
  const sentAt = new Date(message.sentAtMs).toISOString();
  return `${sentAt} ${message.senderUser} (${message.senderId.slice(0, 16)}): ${bodyText(message)}${gap}`;
}

/** A receipt as one JSON object. */
export function receiptJson(receipt: Receipt): Record<string, unknown> {
  const { ref, by } = receipt;
  const status = RECEIPT_NAMES[receipt.status] ?? receipt.status;
  return { type: "receipt", ref, status, by, at: new Date(receipt.eventTimeMs).toISOString() };
}

/** A presence update as one JSON object. */
export function presenceJson(update: PresenceUpdate): Record<string, unknown> {
  return {
    type: "presence",
    device_id: update.deviceId,
    user_id: update.userId,
    status: PRESENCE_NAMES[update.status] ?? update.status,
    message: update.message,
    last_active: new Date(update.lastActiveMs).toISOString(),
  };
}

/** The device id shortened for human lines. */
export const shortId = (hex: string) => `${hex.slice(0, 16)}…`;
