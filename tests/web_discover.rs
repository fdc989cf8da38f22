//! EIP-6963 discovery in Chromium, with fake wallets that announce themselves.
#![cfg(target_arch = "wasm32")]

use js_sys::{Array, Reflect};
use ratio_auth::web::discover::{discover_wallets, discover_wallets_js};
use ratio_auth::web::errors::is_ratio_auth_error;
use ratio_auth::web::time::now_ms;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
const PNG = "data:image/png;base64,iVBORw0KGgo=";
function provider(name) { return { name, request: async () => [] }; }
function announce(detail) {
  window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze(detail) }));
}
// Installs fake wallets; returns {uninstall, providers}.
export function installWallets() {
  const providers = { alpha: provider("alpha"), beta: provider("beta"), late: provider("late") };
  const onRequest = () => {
    announce({ info: { uuid: "uuid-alpha", name: "Alpha", icon: PNG, rdns: "io.alpha" }, provider: providers.alpha });
    // Announced twice (wallets may re-announce): must appear once.
    announce({ info: { uuid: "uuid-alpha", name: "Alpha again", icon: PNG, rdns: "io.alpha" }, provider: providers.alpha });
    // Malformed ones: no provider.request, no uuid, info missing, a plain Event.
    announce({ info: { uuid: "uuid-bad", name: "Bad", icon: PNG, rdns: "io.bad" }, provider: {} });
    announce({ info: { name: "NoUuid", icon: PNG, rdns: "io.nouuid" }, provider: provider("nouuid") });
    announce({ provider: provider("noinfo") });
    window.dispatchEvent(new Event("eip6963:announceProvider"));
    // Answers asynchronously, with a remote icon that must not be passed on.
    setTimeout(() => announce({ info: { uuid: "uuid-beta", name: "Beta", icon: "https://tracker.example/i.png", rdns: "io.beta" }, provider: providers.beta }), 20);
    // Too late for a 150 ms discovery.
    setTimeout(() => announce({ info: { uuid: "uuid-late", name: "Late", icon: PNG, rdns: "io.late" }, provider: providers.late }), 1000);
  };
  window.addEventListener("eip6963:requestProvider", onRequest);
  // An announcement before discovery starts is not seen (EIP-6963 asks again instead).
  announce({ info: { uuid: "uuid-early", name: "Early", icon: PNG, rdns: "io.early" }, provider: provider("early") });
  return { providers, uninstall: () => window.removeEventListener("eip6963:requestProvider", onRequest) };
}
export function uninstall(installed) { installed.uninstall(); }
export function providerOf(installed, name) { return installed.providers[name]; }
export function isFrozen(value) { return Object.isFrozen(value); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = installWallets)]
    fn install_wallets() -> JsValue;
    fn uninstall(installed: &JsValue);
    #[wasm_bindgen(js_name = providerOf)]
    fn provider_of(installed: &JsValue, name: &str) -> JsValue;
    #[wasm_bindgen(js_name = isFrozen)]
    fn is_frozen(value: &JsValue) -> bool;
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).unwrap()
}

#[wasm_bindgen_test]
async fn collects_dedupes_and_validates_announcements() {
    let installed = install_wallets();
    let started = now_ms();
    let wallets = discover_wallets(150).await;
    let elapsed = now_ms() - started;
    uninstall(&installed);

    assert!(
        (140..1_000).contains(&elapsed),
        "discovery took {elapsed} ms"
    );
    let names: Vec<&str> = wallets.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["Alpha", "Beta"]);
    assert_eq!(wallets[0].uuid, "uuid-alpha");
    assert_eq!(wallets[0].rdns, "io.alpha");
    assert!(wallets[0].icon.starts_with("data:image/png"));
    assert_eq!(wallets[1].icon, "", "a remote icon URL is dropped");
    assert!(
        wallets[0].provider == provider_of(&installed, "alpha"),
        "the provider object is passed through"
    );
}

#[wasm_bindgen_test]
async fn the_js_export_returns_eip6963_provider_details() {
    let installed = install_wallets();
    let result = discover_wallets_js(JsValue::from(100.0)).await.unwrap();
    uninstall(&installed);
    let wallets: Array = result.dyn_into().unwrap();
    assert_eq!(wallets.length(), 2);
    let first = wallets.get(0);
    let info = get(&first, "info");
    assert_eq!(get(&info, "uuid"), "uuid-alpha");
    assert_eq!(get(&info, "name"), "Alpha");
    assert_eq!(get(&info, "rdns"), "io.alpha");
    assert!(
        get(&info, "icon")
            .as_string()
            .unwrap()
            .starts_with("data:image/")
    );
    assert!(is_frozen(&info));
    assert!(get(&first, "provider") == provider_of(&installed, "alpha"));
}

#[wasm_bindgen_test]
async fn default_timeout_and_no_wallets() {
    let started = now_ms();
    let result = discover_wallets_js(JsValue::UNDEFINED).await.unwrap();
    let elapsed = now_ms() - started;
    assert_eq!(result.dyn_into::<Array>().unwrap().length(), 0);
    assert!(
        (280..1_500).contains(&elapsed),
        "default discovery took {elapsed} ms (300 expected)"
    );
}

#[wasm_bindgen_test]
async fn a_bad_timeout_is_a_config_error() {
    for bad in [-1.0, f64::NAN, f64::INFINITY, 60_000.0] {
        let error = discover_wallets_js(JsValue::from(bad)).await.unwrap_err();
        assert!(is_ratio_auth_error(error.clone()));
        assert_eq!(get(&error, "kind"), "config");
    }
}
