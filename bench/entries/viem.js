// viem's verifyMessage (EIP-191: recover, compare), tree-shaken by esbuild. Async.
import { verifyMessage } from "viem";

export function verify(address, message, signature) {
  return verifyMessage({ address, message, signature });
}
