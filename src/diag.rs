//! Diagnostics for the editors: one problem in one input file, in Dutch, with file, line, column,
//! the offending source line and a hint. Stages collect them; `main` prints them sorted.

use std::fmt;
use std::path::PathBuf;

/// Longest piece of a source line shown under a diagnostic, in characters.
const MAX_SHOWN: usize = 100;

/// How bad a diagnostic is. Errors stop the build; warnings keep a kaart current.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// One problem in one input file. Field order gives the sort order: path, line, col.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// As the user gave it (data dir joined with the file name), so a terminal can open it.
    pub path: PathBuf,
    /// 1-based; 0 when the problem concerns the file as a whole.
    pub line: u32,
    /// 1-based.
    pub col: u32,
    pub severity: Severity,
    /// Specific enough to make sense on its own, no line breaks: `onbekend domein "wonem"`.
    pub message: String,
    /// The source line the problem sits on, shown with a caret under `col`.
    pub source_line: Option<String>,
    /// Width of the caret mark in characters.
    pub width: u32,
    /// What the editor probably meant or what is allowed: `bedoelde u "wonen"?`.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(path: impl Into<PathBuf>, line: u32, col: u32, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            line,
            col,
            severity: Severity::Error,
            message: one_line(message.into()),
            source_line: None,
            width: 1,
            hint: None,
        }
    }

    pub fn warning(path: impl Into<PathBuf>, line: u32, col: u32, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(path, line, col, message) }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn with_hint_opt(mut self, hint: Option<String>) -> Self {
        self.hint = hint;
        self
    }

    /// Attaches the source line `self.line` of `source` and marks `width` characters.
    pub fn with_source(mut self, source: &str, width: usize) -> Self {
        if self.line > 0 {
            self.source_line = source.lines().nth(self.line as usize - 1).map(|l| l.trim_end().to_string());
            self.width = u32::try_from(width.max(1)).unwrap_or(1);
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self.severity {
            Severity::Error => "fout",
            Severity::Warning => "waarschuwing",
        };
        if self.line == 0 {
            write!(f, "{}: {word}: {}", self.path.display(), self.message)?;
        } else {
            write!(f, "{}:{}:{}: {word}: {}", self.path.display(), self.line, self.col, self.message)?;
        }
        if let Some(src) = &self.source_line {
            let number = self.line.to_string();
            let pad = " ".repeat(number.len());
            // Tabs would shift the caret; show them as one space, as the column counts them.
            let chars: Vec<char> = src.chars().map(|c| if c == '\t' || c.is_control() { ' ' } else { c }).collect();
            // A very long line (10,000 brackets, a pasted paragraph) is shown around the caret.
            let col = self.col.saturating_sub(1) as usize;
            let from = if chars.len() > MAX_SHOWN { col.saturating_sub(MAX_SHOWN / 3).min(chars.len()) } else { 0 };
            let to = (from + MAX_SHOWN).min(chars.len());
            let mut shown: String = chars[from..to].iter().collect();
            let mut indent = " ".repeat(col - from);
            if from > 0 {
                shown.insert(0, '…');
                indent.push(' ');
            }
            if to < chars.len() {
                shown.push('…');
            }
            let room = (to + 1).saturating_sub(col).max(1);
            let caret = "^".repeat((self.width as usize).min(room));
            write!(f, "\n {number} | {shown}\n {pad} | {indent}{caret}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  tip: {hint}")?;
        }
        Ok(())
    }
}

/// A message quotes what the editor wrote, which may hold a line break (a quoted key, a
/// value from a flow list): shown escaped, the message stays one line.
fn one_line(message: String) -> String {
    if !message.chars().any(char::is_control) {
        return message;
    }
    message
        .chars()
        .flat_map(|c| if c.is_control() { c.escape_default().collect::<Vec<_>>() } else { vec![c] })
        .collect()
}

/// The candidate closest to `word` by edit distance, if it is close enough to be a likely typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let word_lc = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(&word_lc, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(2))
        .min()
        .map(|(_, c)| c)
}

/// `bedoelde u "x"?` for the nearest candidate, else the list of allowed values.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str> + Clone) -> String {
    match nearest(word, candidates.clone()) {
        Some(c) => format!("bedoelde u \"{c}\"?"),
        None => {
            let all: Vec<&str> = candidates.into_iter().collect();
            format!("toegestaan: {}", all.join(", "))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_location_source_caret_and_hint() {
        let d = Diagnostic::error("data/interventies/art.yaml", 2, 5, "onbekend domein \"wonem\"")
            .with_source("naam: x\n  - wonem\n", 5)
            .with_hint("bedoelde u \"wonen\"?");
        assert_eq!(
            d.to_string(),
            "data/interventies/art.yaml:2:5: fout: onbekend domein \"wonem\"\n 2 |   - wonem\n   |     ^^^^^\n  tip: bedoelde u \"wonen\"?"
        );
    }

    #[test]
    fn messages_stay_on_one_line() {
        let d = Diagnostic::error("a.yaml", 1, 1, "onbekend veld \"a\nb\"");
        assert_eq!(d.message, "onbekend veld \"a\\nb\"");
    }

    #[test]
    fn nearest_finds_typos_but_not_strangers() {
        let c = ["wonen", "zorg", "schulden"];
        assert_eq!(nearest("wonem", c), Some("wonen"));
        assert_eq!(nearest("Zorg", c), Some("zorg"));
        assert_eq!(nearest("fietsen", c), None);
        assert_eq!(did_you_mean("fietsen", c), "toegestaan: wonen, zorg, schulden");
    }

    #[test]
    fn sorts_by_path_then_line() {
        let mut v = [
            Diagnostic::error("b.yaml", 1, 1, "x"),
            Diagnostic::error("a.yaml", 9, 1, "x"),
            Diagnostic::error("a.yaml", 2, 1, "x"),
        ];
        v.sort();
        let order: Vec<_> = v.iter().map(|d| (d.path.display().to_string(), d.line)).collect();
        assert_eq!(order, [("a.yaml".into(), 2), ("a.yaml".into(), 9), ("b.yaml".into(), 1)]);
    }
}
