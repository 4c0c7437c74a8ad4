//! "Did you mean" for misspelt keys and rule names.

/// The candidate closest to `word`, when it is close enough to be a typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let best = candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .min_by_key(|&(d, c)| (d, c))?;
    let allowed = (word.chars().count() / 3).clamp(1, 4);
    (best.0 <= allowed).then_some(best.1)
}

/// ", did you mean `x`?" or nothing.
pub(crate) fn hint<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> String {
    did_you_mean(word, candidates)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        let rules = ["rds-not-multi-az", "cloudtrail-missing"];
        assert_eq!(
            did_you_mean("rds-not-multiaz", rules),
            Some("rds-not-multi-az")
        );
        assert_eq!(
            did_you_mean("cloudtrial-missing", rules),
            Some("cloudtrail-missing")
        );
        assert_eq!(did_you_mean("guardduty-missing", rules), None);
        assert_eq!(
            did_you_mean("sevrity", ["severity", "disable"]),
            Some("severity")
        );
    }
}
