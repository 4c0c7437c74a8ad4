//! Arbitrary text as shipshape.toml: strict options, waivers and dates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shipshape_config::Settings;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = Settings::parse(&text, std::path::Path::new("shipshape.toml"), &["rds-not-multi-az", "no-runbook"]);
});
