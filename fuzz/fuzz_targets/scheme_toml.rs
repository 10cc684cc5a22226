//! `chiiki_obligations::SchemeDefinition::from_bytes`: a scheme file (TOML, `load.rs`).
//! Returns the checked definition or explained errors, never panics; a definition read
//! registers alone.
#![no_main]

use chiiki_obligations::{Registry, SchemeDefinition};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match SchemeDefinition::from_bytes("fuzz.toml", data) {
        Ok(def) => {
            let _ = Registry::new(vec![def]);
        }
        Err(errors) => {
            let _ = errors.to_string();
        }
    }
});
