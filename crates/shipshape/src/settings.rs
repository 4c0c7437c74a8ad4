//! Configuration for a review: `shipshape.toml` (or `--config FILE`)
//! resolved into [`Settings`]; command-line flags override it in
//! `review`. Also `shipshape init`.

use crate::cli::CliError;
use shipshape_config::{Settings, FILE_NAME, STARTER};
use std::path::Path;

/// The settings of a review of `root`: `--config FILE` when given (it
/// must exist), else `shipshape.toml` at the root when present, else the
/// defaults. Any problem in the file is a usage error (exit 2) shown as
/// `file:line: message`.
pub fn load(config: Option<&Path>, root: &Path, rules: &[&str]) -> Result<Settings, CliError> {
    let path = match config {
        Some(p) => {
            if !p.is_file() {
                return Err(CliError::usage(format!(
                    "--config {}: no such file",
                    p.display()
                )));
            }
            p.to_path_buf()
        }
        None => {
            let p = root.join(FILE_NAME);
            // A symlink at the root may point anywhere: not ours to follow.
            match std::fs::symlink_metadata(&p) {
                Ok(m) if m.is_file() => p,
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(CliError::usage(format!(
                        "{}: is a symlink; pass the file with --config instead",
                        p.display()
                    )))
                }
                _ => return Ok(Settings::default()),
            }
        }
    };
    Settings::load(&path, rules).map_err(|e| CliError::usage(e.to_string()))
}

/// `shipshape init [PATH]`: writes the starter file, never over one.
pub fn init(root: &Path) -> Result<u8, CliError> {
    if !root.is_dir() {
        return Err(CliError::usage(format!(
            "{}: not a directory",
            root.display()
        )));
    }
    let path = root.join(FILE_NAME);
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(CliError::usage(format!(
                "{}: already exists; not overwriting it",
                path.display()
            )))
        }
        Err(e) => return Err(CliError::usage(format!("{}: {e}", path.display()))),
    };
    use std::io::Write;
    file.write_all(STARTER.as_bytes())
        .map_err(|e| CliError::usage(format!("{}: {e}", path.display())))?;
    eprintln!("wrote {}", path.display());
    Ok(0)
}
