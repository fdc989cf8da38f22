// The page's signer for the flow and recovery sections: the demo's burner wallet.
export { createSandboxWallet, randomAddress, randomUsPhone } from "../../www/sandbox-wallet.js";
