//! `chiiki_placement::exchange::read`: the JSON instance of `chiiki place --input`. Returns
//! the instance or every problem with its path, never panics; an instance read, written
//! again by `exchange::input_json`, reads back equal.
#![no_main]

use chiiki_placement::exchange::{input_json, read};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match read(data) {
        Ok((instance, _ids)) => {
            let json = input_json(&instance);
            let (back, _) = read(json.as_bytes()).expect("input_json reads back");
            assert_eq!(back, instance, "JSON round trip changed the instance");
        }
        Err(errors) => {
            assert!(!errors.is_empty(), "an error without a problem");
            for e in &errors {
                let _ = e.to_string();
            }
        }
    }
});
