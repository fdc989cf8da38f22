// The Vite app's entry: the package as Vite resolves it from this folder's node_modules (the
// installed tarball), with no plugin: the glue's `new URL("ratio_auth_bg.wasm", import.meta.url)`
// is an asset Vite emits by itself.
import { RatioAuth, RatioAuthErrorKinds, discoverWallets, isRatioAuthError } from "ratio-auth";
import { createSandboxWallet, randomUsPhone } from "../../../www/sandbox-wallet.js";
import { startApp } from "../shared/app.js";

startApp({ RatioAuth, RatioAuthErrorKinds, discoverWallets, isRatioAuthError }, { createSandboxWallet, randomUsPhone }, "vite");
