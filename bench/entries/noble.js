// EIP-191 `personal_sign` recovery with @noble/curves + @noble/hashes (written for the bench):
// keccak256("\x19Ethereum Signed Message:\n" + len + message), then secp256k1 public-key
// recovery, then the address (last 20 bytes of the key's keccak256).
import { secp256k1 } from "@noble/curves/secp256k1.js";
import { keccak_256 } from "@noble/hashes/sha3.js";

const encoder = new TextEncoder();

function fromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function toHex(bytes) {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** The lowercase 0x address that signed `message` (a string), or throws. */
export function recover(message, signature) {
  const body = encoder.encode(message);
  const prefix = encoder.encode(`\x19Ethereum Signed Message:\n${body.length}`);
  const payload = new Uint8Array(prefix.length + body.length);
  payload.set(prefix);
  payload.set(body, prefix.length);
  const sig = fromHex(signature.replace(/^0x/, ""));
  if (sig.length !== 65) throw new Error("a signature is 65 bytes");
  const v = sig[64] >= 27 ? sig[64] - 27 : sig[64];
  // noble's "recovered" layout: the recovery bit first, then r ‖ s.
  const recovered = new Uint8Array(65);
  recovered[0] = v;
  recovered.set(sig.subarray(0, 64), 1);
  const point = secp256k1.Signature.fromBytes(recovered, "recovered").recoverPublicKey(keccak_256(payload));
  return "0x" + toHex(keccak_256(point.toBytes(false).subarray(1)).subarray(12));
}
