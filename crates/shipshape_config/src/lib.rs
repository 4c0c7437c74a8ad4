//! `shipshape.toml`: what a team tells shipshape about its repository.
//!
//! Layered like ruff: [`Options`] is the file as written (every field
//! optional, unknown keys refused), [`Settings`] is what a review uses once
//! the file is validated against the known rules and the command line has
//! had its say. Waivers (from the file and from inline `shipshape:ignore`
//! comments) are applied to findings by [`waivers::apply`].
#![forbid(unsafe_code)]

mod date;
mod options;
mod settings;
mod suggest;
pub mod waivers;

pub use date::Date;
pub use options::Options;
pub use settings::{ConfigError, ConfigWaiver, Settings};
pub use suggest::did_you_mean;

/// The file shipshape looks for at the reviewed root.
pub const FILE_NAME: &str = "shipshape.toml";

/// The commented starter file `shipshape init` writes.
pub const STARTER: &str = include_str!("starter.toml");
