// The start-up page's SDK code, bundled by scripts/bench the way an app's bundler would: load
// the wasm, construct, and wait until the instance is usable.
import { init, RatioAuth } from "../../pkg/index.js";

export async function start(api) {
  await init();
  const auth = new RatioAuth({ baseUrl: api, clientId: "sandbox", clientSecret: "sandbox-secret" });
  await auth.ready();
}
