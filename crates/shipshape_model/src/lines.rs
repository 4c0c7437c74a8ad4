//! Line arithmetic shared by every loader: parsers report byte offsets (HCL,
//! tree-sitter) or character offsets (saphyr); reports want 1-based lines.

use serde::{Deserialize, Serialize};

/// An inclusive, 1-based range of lines in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LineSpan {
    pub start: u32,
    pub end: u32,
}

impl LineSpan {
    pub fn new(start: u32, end: u32) -> Self {
        Self {
            start,
            end: end.max(start),
        }
    }

    pub fn line(line: u32) -> Self {
        Self::new(line, line)
    }

    pub fn contains(&self, line: u32) -> bool {
        self.start <= line && line <= self.end
    }
}

/// Maps byte offsets to 1-based line numbers for one text.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Byte offset at which each line starts.
    starts: Vec<usize>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        // `match_indices` with a char searches with memchr; a byte-by-byte
        // filter was 1% of a review (every file is indexed).
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self {
            starts,
            len: text.len(),
        }
    }

    /// The 1-based line holding byte `offset` (clamped to the text).
    pub fn line_of(&self, offset: usize) -> u32 {
        let offset = offset.min(self.len);
        match self.starts.binary_search(&offset) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        }
    }

    /// The lines covered by a byte range `[start, end)`.
    pub fn span(&self, range: std::ops::Range<usize>) -> LineSpan {
        let end = if range.end > range.start {
            range.end - 1
        } else {
            range.start
        };
        LineSpan::new(self.line_of(range.start), self.line_of(end))
    }

    pub fn line_count(&self) -> u32 {
        self.starts.len() as u32
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: u32) -> usize {
        let i = (line.max(1) - 1) as usize;
        self.starts.get(i).copied().unwrap_or(self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_to_lines() {
        let idx = LineIndex::new("ab\ncd\n\nef");
        assert_eq!(idx.line_of(0), 1);
        assert_eq!(idx.line_of(2), 1);
        assert_eq!(idx.line_of(3), 2);
        assert_eq!(idx.line_of(6), 3);
        assert_eq!(idx.line_of(7), 4);
        assert_eq!(idx.line_of(999), 4);
        assert_eq!(idx.span(3..9), LineSpan::new(2, 4));
        assert_eq!(idx.line_start(2), 3);
    }

    /// Line starts are the bytes after each `\n`, multi-byte text and
    /// `\r\n` included.
    #[test]
    fn line_starts_follow_every_newline() {
        let text = "é\r\n\n日本\nx\n";
        let idx = LineIndex::new(text);
        let expected: Vec<usize> = std::iter::once(0)
            .chain(
                text.bytes()
                    .enumerate()
                    .filter(|(_, b)| *b == b'\n')
                    .map(|(i, _)| i + 1),
            )
            .collect();
        assert_eq!(idx.line_count() as usize, expected.len());
        for (line, start) in expected.iter().enumerate() {
            assert_eq!(idx.line_start(line as u32 + 1), *start);
        }
        assert_eq!(idx.line_of(text.len()), 5);
    }
}
