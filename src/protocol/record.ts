import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { FLAG_ENCRYPTED, HEADER_SIZE, TAG_SIZE } from "./header.ts";

/** The 88-byte AAD of §5: version, type, layer, flags, length, timestamp, message_id (from the record header), seq, th. */
export function recordAad(recordHeader: Uint8Array, seq: bigint, th: Uint8Array): Uint8Array {
  const aad = new Uint8Array(88);
  aad[0] = recordHeader[0] as number;
  aad[1] = recordHeader[2] as number;
  aad[2] = recordHeader[1] as number;
  aad.set(recordHeader.subarray(3, HEADER_SIZE), 3);
  new DataView(aad.buffer).setBigUint64(48, seq);
  aad.set(th, 56);
  return aad;
}

/** The record nonce: 4 zero bytes ‖ u64(seq). */
export function recordNonce(seq: bigint): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, seq);
  return nonce;
}

const MAX_SEQ = 0xffff_ffff_ffff_ffffn;

/**
 * One direction of the record layer (ChaCha20-Poly1305, §5): an implicit sequence starting at 0,
 * one key, the transcript hash in the AAD. The connection must close before the sequence could repeat.
 */
export class RecordCipher {
  private seq = 0n;

  constructor(
    private readonly key: Uint8Array,
    private readonly th: Uint8Array,
  ) {}

  /** The sequence number the next record will use. */
  get nextSeq(): bigint {
    return this.seq;
  }

  /** Seals an inner frame (flags bit 0 clear, length = 48 + |body|) into a record, encrypting in place. */
  seal(inner: Uint8Array): Uint8Array {
    const seq = this.advance();
    const record = new Uint8Array(inner.length + TAG_SIZE);
    record.set(inner.subarray(0, HEADER_SIZE));
    record[3] = (record[3] as number) | FLAG_ENCRYPTED;
    new DataView(record.buffer).setUint32(4, record.length);
    const header = record.subarray(0, HEADER_SIZE);
    chacha20poly1305(this.key, recordNonce(seq), recordAad(header, seq, this.th)).encrypt(
      inner.subarray(HEADER_SIZE),
      record.subarray(HEADER_SIZE),
    );
    return record;
  }

  /**
   * Opens a record (header already checked) with the expected sequence. Returns the inner frame
   * (bit 0 cleared, length − 16), or null when authentication fails: the caller closes silently.
   */
  open(record: Uint8Array): Uint8Array | null {
    if (record.length < HEADER_SIZE + TAG_SIZE) return null;
    const header = record.subarray(0, HEADER_SIZE);
    const seq = this.seq;
    const inner = new Uint8Array(record.length - TAG_SIZE);
    try {
      chacha20poly1305(this.key, recordNonce(seq), recordAad(header, seq, this.th)).decrypt(
        record.subarray(HEADER_SIZE),
        inner.subarray(HEADER_SIZE),
      );
    } catch {
      return null;
    }
    this.advance();
    inner.set(header);
    inner[3] = (inner[3] as number) & ~FLAG_ENCRYPTED;
    new DataView(inner.buffer).setUint32(4, inner.length);
    return inner;
  }

  private advance(): bigint {
    if (this.seq === MAX_SEQ) throw new Error("record sequence exhausted: the connection must close");
    return this.seq++;
  }
}
