// The plain page's entry: no bundler, the installed package imported by path. The glue finds
// its .wasm beside itself with `new URL("ratio_auth_bg.wasm", import.meta.url)`.
// build.mjs copies this folder's page, this file and node_modules/ratio-auth verbatim into the
// site, with the shared app and the burner wallet beside them (and @noble for the wallet).
import { RatioAuth, RatioAuthErrorKinds, discoverWallets, isRatioAuthError } from "./node_modules/ratio-auth/index.js";
import { createSandboxWallet, randomUsPhone } from "./sandbox-wallet.js";
import { startApp } from "./app.js";

startApp({ RatioAuth, RatioAuthErrorKinds, discoverWallets, isRatioAuthError }, { createSandboxWallet, randomUsPhone }, "plain");
