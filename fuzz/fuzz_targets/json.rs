//! The shipped JSON reader (`ratio_auth::json`) against serde_json, on any text.
//!
//! Invariants: no panic (a wasm panic kills the page's module); ours accepts exactly what
//! serde_json accepts, except nesting deeper than ours allows and numbers beyond `f64` (which
//! ours keeps as text, as JSON allows); what ours accepts, it writes
//! back as JSON that serde_json reads as the same value; parsing what it wrote gives the same
//! tree again.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ratio_auth::json;

fuzz_target!(|data: &[u8]| {
    let ours = json::parse_bytes(data);
    let theirs = serde_json::from_slice::<serde_json::Value>(data);
    let deep = data.iter().filter(|b| **b == b'[' || **b == b'{').count() >= json::MAX_DEPTH;
    match (&ours, &theirs) {
        (Ok(_), Err(e)) if !e.to_string().starts_with("number out of range") => {
            panic!("ours accepts what serde_json refuses: {e}")
        }
        (Err(e), Ok(_)) if !(deep && e.kind == json::ParseErrorKind::TooDeep) => {
            panic!("ours refuses what serde_json accepts: {e:?}")
        }
        _ => {}
    }
    if let (Ok(tree), Ok(value)) = (ours, theirs) {
        // Compared through serde_json, which reads numbers as f64: equal trees, equal values.
        let written = tree.to_json_string();
        let again: serde_json::Value = match serde_json::from_str(&written) {
            Ok(again) => again,
            Err(e) => panic!("ours wrote JSON serde_json refuses: {e}"),
        };
        assert_eq!(again, value, "the written JSON reads differently");
        assert_eq!(json::parse(&written).ok(), Some(tree), "not stable under a round trip");
    }
});
