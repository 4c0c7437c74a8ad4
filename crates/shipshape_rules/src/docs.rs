//! A rule's doc comment, split into its fixed sections.

/// The sections every rule's doc comment carries, in order.
pub const SECTIONS: [&str; 4] = ["What it finds", "Why it matters", "How to fix", "Effort"];

/// A parsed doc comment.
#[derive(Debug, Clone, Default)]
pub struct RuleDocs {
    /// (section title, markdown body) in source order.
    pub sections: Vec<(String, String)>,
}

impl RuleDocs {
    pub fn parse(lines: &[&str]) -> Self {
        let mut sections: Vec<(String, String)> = Vec::new();
        for raw in lines {
            // Doc comments keep the space after `///`.
            let line = raw.strip_prefix(' ').unwrap_or(raw);
            if let Some(title) = line.strip_prefix("### ") {
                sections.push((title.trim().to_string(), String::new()));
            } else if let Some((_, body)) = sections.last_mut() {
                body.push_str(line);
                body.push('\n');
            }
        }
        for (_, body) in &mut sections {
            *body = body.trim().to_string();
        }
        Self { sections }
    }

    pub fn section(&self, title: &str) -> Option<&str> {
        self.sections
            .iter()
            .find(|(t, _)| t == title)
            .map(|(_, b)| b.as_str())
    }

    /// One line: the first sentence of "What it finds".
    pub fn summary(&self) -> String {
        let what = self.section("What it finds").unwrap_or("");
        let flat = what.split_whitespace().collect::<Vec<_>>().join(" ");
        match flat.find(". ") {
            Some(i) => flat[..=i].to_string(),
            None => flat,
        }
    }

    /// The first fenced snippet of "How to fix", with its language.
    pub fn fix_snippet(&self) -> Option<(String, String)> {
        let fix = self.section("How to fix")?;
        let start = fix.find("```")?;
        let rest = &fix[start + 3..];
        let (lang, rest) = rest.split_once('\n')?;
        let end = rest.find("```")?;
        Some((lang.trim().to_string(), rest[..end].trim_end().to_string()))
    }
}
