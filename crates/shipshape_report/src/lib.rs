//! The review as a document: scoring, grades and the decision, and one
//! renderer per output format. Renderers read a [`Report`] only, so every
//! format says the same thing.
#![forbid(unsafe_code)]

pub mod delta;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod pr_comment;
mod report;
pub mod sarif;
pub mod scoring;
pub mod text;

pub use report::{CategoryDelta, CategoryScore, Delta, Report, Tool, SCHEMA_VERSION};
