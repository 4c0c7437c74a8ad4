//! Word-level knowledge of the shell: which word of a command actually
//! runs, and the little languages rules have to read inside arguments
//! (`sed` substitutions).

/// Base name of a program word: `/usr/bin/curl` → `curl`.
pub fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

/// The index of the word that runs, looking through the wrappers that run
/// another command: `sudo [-u user] …`, `env [-i] [VAR=x] …`,
/// `exec [-a name] …`, `nohup …`, `timeout [opts] DURATION …`,
/// `command [-p] …`, `nice [-n N] …`, `time …`, `stdbuf -oL …`.
///
/// `command -v x` looks `x` up without running it: the program is then
/// `command` itself. Returns `None` for an empty command.
pub fn program_index(words: &[String]) -> Option<usize> {
    let mut i = 0;
    // A wrapper loop: each pass strips one wrapper and its options.
    for _ in 0..16 {
        let word = words.get(i)?;
        let skip = match basename(word) {
            "sudo" | "doas" => options_then(words, i + 1, "ugCDhprtUT", &[]),
            "env" => {
                let mut j = options_then(words, i + 1, "uCS", &["--unset", "--chdir"]);
                while words.get(j).is_some_and(|w| is_assignment(w)) {
                    j += 1;
                }
                j
            }
            "exec" => options_then(words, i + 1, "a", &[]),
            "nohup" | "time" | "builtin" => i + 1,
            "nice" | "ionice" => options_then(words, i + 1, "nct", &["--adjustment"]),
            "stdbuf" => options_then(words, i + 1, "ioe", &[]),
            "timeout" => {
                let j = options_then(words, i + 1, "sk", &["--signal", "--kill-after"]);
                j + 1 // the duration
            }
            "command" => {
                let rest = &words[i + 1..];
                if rest
                    .iter()
                    .take_while(|w| w.starts_with('-'))
                    .any(|w| w.contains('v') || w.contains('V'))
                {
                    return Some(i);
                }
                options_then(words, i + 1, "", &[])
            }
            _ => return Some(i),
        };
        if skip >= words.len() {
            // `sudo` alone, `exec >log`: the wrapper is the program.
            return Some(i);
        }
        i = skip;
    }
    Some(i)
}

/// Skips options starting at `i`: short options in `with_value` take the
/// next word (unless attached), long options in `long_with_value` take the
/// next word unless written `--opt=value`; `--` ends options.
fn options_then(
    words: &[String],
    mut i: usize,
    with_value: &str,
    long_with_value: &[&str],
) -> usize {
    while let Some(w) = words.get(i) {
        if w == "--" {
            return i + 1;
        }
        if let Some(long) = w.strip_prefix("--") {
            i += 1;
            if long_with_value
                .iter()
                .any(|l| l.trim_start_matches('-') == long)
            {
                i += 1;
            }
            continue;
        }
        if w.len() > 1 && w.starts_with('-') {
            let flags = &w[1..];
            i += 1;
            // The last letter of a cluster may take the next word (`-u root`).
            if let Some(last) = flags.chars().last() {
                if with_value.contains(last) && flags.len() == 1 {
                    i += 1;
                }
            }
            continue;
        }
        break;
    }
    i
}

/// `NAME=value`.
pub fn is_assignment(word: &str) -> bool {
    match word.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// The `s` commands of a sed script, as (pattern, replacement) pairs.
///
/// Read minimally — the delimiter is the character after `s`, backslash
/// escapes it — because the rule on SSH hardening must know what a
/// `sed -i 's/^#\?PasswordAuthentication.*/PasswordAuthentication no/'`
/// writes, and that is in the replacement, not in the shell words. Other
/// sed commands (`/re/d`, `a text`) yield nothing; `a`/`i`/`c` appends are
/// returned with an empty pattern and their text.
pub fn static_text_of_sed_replacements(script: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let chars: Vec<char> = script.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // Skip separators and an address (`/re/`, `1`, `$`) before the command.
        while i < chars.len() && (chars[i] == ';' || chars[i] == '\n' || chars[i].is_whitespace()) {
            i += 1;
        }
        if i < chars.len() && chars[i] == '/' {
            i = skip_delimited(&chars, i + 1, '/').0;
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
        }
        while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '$' || chars[i] == ',') {
            i += 1;
        }
        let Some(&c) = chars.get(i) else { break };
        match c {
            's' if i + 1 < chars.len() => {
                let delim = chars[i + 1];
                let (after_pat, pat) = skip_delimited(&chars, i + 2, delim);
                let (after_rep, rep) = skip_delimited(&chars, after_pat, delim);
                out.push((pat, rep));
                i = after_rep;
                // Flags up to the next separator.
                while i < chars.len() && chars[i] != ';' && chars[i] != '\n' {
                    i += 1;
                }
            }
            'a' | 'i' | 'c' => {
                let mut j = i + 1;
                if chars.get(j) == Some(&'\\') {
                    j += 1;
                }
                let end = chars[j..]
                    .iter()
                    .position(|&c| c == '\n' || c == ';')
                    .map(|p| j + p)
                    .unwrap_or(chars.len());
                let text: String = chars[j..end].iter().collect();
                out.push((String::new(), text.trim().to_string()));
                i = end;
            }
            _ => {
                while i < chars.len() && chars[i] != ';' && chars[i] != '\n' {
                    i += 1;
                }
            }
        }
    }
    out
}

/// Reads up to an unescaped `delim`; returns the index after it and the
/// text (escapes of the delimiter resolved).
fn skip_delimited(chars: &[char], mut i: usize, delim: char) -> (usize, String) {
    let mut text = String::new();
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            if chars[i + 1] == delim {
                text.push(delim);
            } else {
                text.push(c);
                text.push(chars[i + 1]);
            }
            i += 2;
            continue;
        }
        if c == delim {
            return (i + 1, text);
        }
        text.push(c);
        i += 1;
    }
    (i, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn prog(s: &str) -> String {
        let words = w(s);
        basename(&words[program_index(&words).unwrap()]).to_string()
    }

    #[test]
    fn resolves_through_wrappers() {
        assert_eq!(prog("curl -fsSL x"), "curl");
        assert_eq!(prog("sudo -u root -E /usr/bin/curl x"), "curl");
        assert_eq!(prog("env A=1 B=2 wget x"), "wget");
        assert_eq!(prog("env -i PATH=/bin terraform apply"), "terraform");
        assert_eq!(prog("exec -a name nginx"), "nginx");
        assert_eq!(prog("nohup ./run.sh"), "run.sh");
        assert_eq!(prog("timeout 30 curl x"), "curl");
        assert_eq!(prog("timeout -s KILL 5m terraform apply"), "terraform");
        assert_eq!(prog("sudo timeout --signal=TERM 30 nohup curl x"), "curl");
        assert_eq!(prog("command curl x"), "curl");
        assert_eq!(prog("command -v curl"), "command");
        assert_eq!(prog("sudo"), "sudo");
        assert_eq!(prog("nice -n 10 tar c"), "tar");
    }

    #[test]
    fn reads_sed_substitutions() {
        let s = static_text_of_sed_replacements(
            r"s/^#\?PasswordAuthentication.*/PasswordAuthentication no/",
        );
        assert_eq!(s[0].1, "PasswordAuthentication no");
        let s = static_text_of_sed_replacements(
            "s|^PermitRootLogin.*|PermitRootLogin prohibit-password|g; /^#/d",
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].1, "PermitRootLogin prohibit-password");
        let s = static_text_of_sed_replacements(r"/^Port/a PermitRootLogin no");
        assert_eq!(s[0].1, "PermitRootLogin no");
        let s = static_text_of_sed_replacements(r"s/a\/b/c\/d/");
        assert_eq!(s[0], ("a/b".to_string(), "c/d".to_string()));
    }
}
