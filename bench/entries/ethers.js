// ethers v6's verifyMessage (EIP-191 recovery), tree-shaken by esbuild.
import { verifyMessage } from "ethers";

export function recover(message, signature) {
  return verifyMessage(message, signature).toLowerCase();
}
