//! The vocabulary every shipshape crate speaks: categories, severities,
//! findings, diagnostics and source locations.
//!
//! Kept free of parsing and rendering so that loaders, rules and reports can
//! depend on it without depending on each other.
#![forbid(unsafe_code)]

mod finding;
mod lines;

pub use finding::{
    sort_findings, Category, Diagnostic, DiagnosticKind, Evidence, Finding, Profile, Severity,
    Suppression,
};
pub use lines::{LineIndex, LineSpan};

/// A stable short hash (16 hex digits of SHA-256) of the given parts.
///
/// Used for fingerprints: the parts never include line numbers.
pub fn stable_hash(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    let digest = hasher.finalize();
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(16);
    for b in &digest[..8] {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}
