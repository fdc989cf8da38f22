// The webpack app's entry: the package as webpack resolves it from this folder's node_modules (the
// installed tarball), with no wasm experiment and no loader: the glue's `new URL("ratio_auth_bg.wasm",
// import.meta.url)` is an asset/resource by webpack 5's defaults.
import { RatioAuth, RatioAuthErrorKinds, discoverWallets, isRatioAuthError } from "ratio-auth";
import { createSandboxWallet, randomUsPhone } from "../../../www/sandbox-wallet.js";
import { startApp } from "../shared/app.js";

startApp({ RatioAuth, RatioAuthErrorKinds, discoverWallets, isRatioAuthError }, { createSandboxWallet, randomUsPhone }, "webpack");
