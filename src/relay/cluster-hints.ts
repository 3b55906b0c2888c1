import { blake3 } from "@noble/hashes/blake3.js";
import type { Id } from "../store/records.ts";
import { idHex } from "./ids.ts";

/**
 * A hint between instances (routing is a hint, the queue is the truth): `wake` pulls the device's
 * queue, `close` ends its session there (unless that session's lease is newer than `belowEpoch`),
 * `presence` pushes a frame to the sessions of `devices` held there.
 */
export type ClusterHint =
  | { kind: "wake"; device: Id }
  | { kind: "close"; device: Id; code: number; belowEpoch: number }
  | { kind: "presence"; frame: Uint8Array; devices: Id[] };

/** The most a hint may carry (the HintBus limit is 7,000 bytes). */
export const HINT_MAX_BYTES = 7_000;

/** The hint channel of an instance: a short fixed-length name, whatever the instance is called. */
export function hintChannel(instance: string): string {
  return `norc_${idHex(blake3(new TextEncoder().encode(instance))).slice(0, 32)}`;
}

const fromHex = (hex: string): Id => new Uint8Array(Buffer.from(hex, "hex"));

/** A hint as the text a HintBus carries (presence hints are split by `presenceHints` to fit). */
export function encodeHint(hint: ClusterHint): string {
  switch (hint.kind) {
    case "wake":
      return `w ${idHex(hint.device)}`;
    case "close":
      return `c ${idHex(hint.device)} ${hint.code} ${hint.belowEpoch}`;
    case "presence":
      return `p ${Buffer.from(hint.frame).toString("base64")} ${hint.devices.map(idHex).join(" ")}`;
  }
}

/** The hint in `text`, or undefined for text that is no hint (ignored: a hint is never a must). */
export function decodeHint(text: string): ClusterHint | undefined {
  const [kind, first, ...rest] = text.split(" ");
  const isId = (part: string | undefined): part is string =>
    part !== undefined && /^[0-9a-f]{64}$/.test(part);
  if (kind === "w" && isId(first) && rest.length === 0) return { kind: "wake", device: fromHex(first) };
  if (kind === "c" && isId(first) && rest.length === 2) {
    const [code, epoch] = rest.map(Number) as [number, number];
    if (Number.isInteger(code) && Number.isInteger(epoch)) {
      return { kind: "close", device: fromHex(first), code, belowEpoch: epoch };
    }
  }
  if (kind === "p" && first !== undefined && rest.length > 0 && rest.every(isId)) {
    return {
      kind: "presence",
      frame: new Uint8Array(Buffer.from(first, "base64")),
      devices: rest.map(fromHex),
    };
  }
  return undefined;
}

/** Presence hints for `devices`, as many as it takes for each to stay within HINT_MAX_BYTES. */
export function presenceHints(frame: Uint8Array, devices: Id[]): string[] {
  const head = `p ${Buffer.from(frame).toString("base64")}`;
  const perHint = Math.max(1, Math.floor((HINT_MAX_BYTES - head.length) / 65));
  const hints: string[] = [];
  for (let at = 0; at < devices.length; at += perHint) {
    hints.push(encodeHint({ kind: "presence", frame, devices: devices.slice(at, at + perHint) }));
  }
  return hints;
}
