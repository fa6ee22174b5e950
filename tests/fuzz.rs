//! Property tests over load + validate: whatever bytes an editor (or a broken editor) saves,
//! checking never panics, and every diagnostic names a file and a line inside it. Inputs are
//! arbitrary text and mutations of the valid minimal kaart; the case count is capped so this
//! runs in seconds in CI (`PROPTEST_CASES` raises it for a longer local run).

use std::path::{Path, PathBuf};

use kaart::load::{LoadOptions, Source, parse_sources, source_from_bytes};
use kaart::validate::{ValidateOptions, validate};
use proptest::prelude::*;

const KAART: &str = include_str!("fixtures/valid/minimal/kaart.yaml");
const INTERVENTIONS: [(&str, &str); 3] = [
    ("budgetcoaching", include_str!("fixtures/valid/minimal/interventies/budgetcoaching.yaml")),
    ("schuldhulpverlening", include_str!("fixtures/valid/minimal/interventies/schuldhulpverlening.yaml")),
    ("woonbegeleiding", include_str!("fixtures/valid/minimal/interventies/woonbegeleiding.yaml")),
];

/// Pieces that trip YAML and our checks: brackets, quotes, anchors, tabs, odd characters.
const TOKENS: &[&str] = &[
    "[",
    "]",
    "{",
    "}",
    ":",
    ": ",
    "- ",
    "#",
    "\"",
    "'",
    "|",
    ">",
    "&a ",
    "*a",
    "!!int ",
    "---\n",
    "\t",
    "\n",
    "  ",
    "\u{b}",
    "\u{feff}",
    "é",
    "ĳ",
    "€",
    "💶",
    "\u{301}",
    "\u{ad}",
    "naam: x\n",
    "domeinen: [wonen]\n",
    "verwant: [budgetcoaching]\n",
    "kleur: #FFF\n",
    "bijgewerkt: 2026-02-30\n",
    "javascript:alert(1)",
    "~",
    "null",
    "0x1F",
    "1e999",
    "? ",
    "%YAML 1.2\n",
    "<<: *a\n",
];

fn config() -> ProptestConfig {
    // Few enough for CI; each case parses four files and checks every character against the font.
    // No regression files in the source tree: a failure prints its minimal input instead.
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    ProptestConfig { cases, max_shrink_iters: 200, failure_persistence: None, ..ProptestConfig::default() }
}

/// One edit to a text: insert a token, delete a range, or duplicate a line.
#[derive(Debug, Clone)]
enum Mutation {
    Insert(usize, usize),
    Delete(usize, usize),
    DuplicateLine(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, t)| Mutation::Insert(at, t)),
        (any::<usize>(), 0usize..40).prop_map(|(at, n)| Mutation::Delete(at, n)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
    ]
}

fn apply(text: &str, edits: &[Mutation]) -> String {
    let mut t = text.to_string();
    for m in edits {
        let boundary = |t: &str, at: usize| {
            let mut i = if t.is_empty() { 0 } else { at % (t.len() + 1) };
            while !t.is_char_boundary(i) {
                i -= 1;
            }
            i
        };
        match *m {
            Mutation::Insert(at, tok) => {
                let i = boundary(&t, at);
                t.insert_str(i, TOKENS[tok]);
            }
            Mutation::Delete(at, n) => {
                let i = boundary(&t, at);
                let j = boundary(&t, i + n);
                if j >= i {
                    t.replace_range(i..j, "");
                }
            }
            Mutation::DuplicateLine(at) => {
                let lines: Vec<&str> = t.lines().collect();
                if !lines.is_empty() {
                    let k = at % lines.len();
                    let mut out: Vec<&str> = lines[..=k].to_vec();
                    out.extend_from_slice(&lines[k..]);
                    t = out.join("\n") + "\n";
                }
            }
        }
    }
    t
}

/// Loads and validates the given files as a data folder would, then checks every diagnostic.
fn check(kaart: &[u8], interventions: &[(String, Vec<u8>)]) {
    let mut diags = Vec::new();
    let mut read = |path: PathBuf, bytes: &[u8]| source_from_bytes(&path, bytes).map_err(|d| diags.push(d));
    let kaart_src = read(PathBuf::from("data/kaart.yaml"), kaart);
    let files: Vec<(String, Result<Source, ()>)> = interventions
        .iter()
        .map(|(id, bytes)| (id.clone(), read(Path::new("data/interventies").join(format!("{id}.yaml")), bytes)))
        .collect();
    let texts: Vec<(PathBuf, String)> = std::iter::once(("data/kaart.yaml".into(), kaart))
        .chain(interventions.iter().map(|(id, b)| (Path::new("data/interventies").join(format!("{id}.yaml")), &b[..])))
        .map(|(p, b)| {
            // As the loader reads it: a lone CR (old Mac files) ends a line too, as in an editor.
            let text = String::from_utf8_lossy(b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b));
            (p, text.replace("\r\n", "\n").replace('\r', "\n"))
        })
        .collect();

    let loaded = parse_sources(kaart_src, files, diags, &LoadOptions::default());
    let all = match validate(loaded, ValidateOptions::default()) {
        Ok((_, warnings)) => warnings,
        Err(diags) => {
            assert!(diags.iter().any(|d| d.is_error()), "Err without an error");
            diags
        }
    };
    for d in &all {
        let shown = d.to_string(); // printing never panics either
        assert!(!d.path.as_os_str().is_empty(), "diagnostic without a path: {shown}");
        assert!(!d.message.is_empty() && !d.message.contains('\n'), "one-line message: {shown}");
        let Some((_, text)) = texts.iter().find(|(p, _)| *p == d.path) else { continue };
        let lines = text.split('\n').count().max(1) as u32;
        assert!(d.line <= lines, "line {} past the end ({lines} lines): {shown}", d.line);
        assert!(d.line == 0 || d.col >= 1, "column 0: {shown}");
    }
}

fn valid_interventions() -> Vec<(String, Vec<u8>)> {
    INTERVENTIONS.iter().map(|(id, t)| (id.to_string(), t.as_bytes().to_vec())).collect()
}

#[test]
fn the_unmutated_kaart_is_valid() {
    let mut diags = Vec::new();
    let kaart = source_from_bytes(Path::new("kaart.yaml"), KAART.as_bytes()).map_err(|d| diags.push(d));
    let files = INTERVENTIONS
        .iter()
        .map(|(id, t)| (id.to_string(), source_from_bytes(Path::new(id), t.as_bytes()).map_err(|d| diags.push(d))))
        .collect();
    let loaded = parse_sources(kaart, files, diags, &LoadOptions::default());
    let (cat, warnings) = validate(loaded, ValidateOptions { strict: true }).expect("valid");
    assert_eq!(cat.interventions.len(), 3);
    assert!(warnings.is_empty());
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutated_interventions_never_panic(which in 0usize..3, edits in proptest::collection::vec(mutation(), 1..8)) {
        let mut files = valid_interventions();
        files[which].1 = apply(INTERVENTIONS[which].1, &edits).into_bytes();
        check(KAART.as_bytes(), &files);
    }

    #[test]
    fn mutated_kaart_never_panics(edits in proptest::collection::vec(mutation(), 1..8)) {
        check(apply(KAART, &edits).as_bytes(), &valid_interventions());
    }

    #[test]
    fn arbitrary_text_never_panics(text in any::<String>(), id in "[a-zA-Z0-9-]{0,12}") {
        let mut files = valid_interventions();
        files.push((id, text.into_bytes()));
        check(KAART.as_bytes(), &files);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let mut files = valid_interventions();
        files.push(("bytes".to_string(), bytes.clone()));
        check(&bytes, &files);
    }

    #[test]
    fn token_soup_never_panics(tokens in proptest::collection::vec(0..TOKENS.len(), 0..60)) {
        let text: String = tokens.iter().map(|&t| TOKENS[t]).collect();
        let mut files = valid_interventions();
        files.push(("soep".to_string(), text.clone().into_bytes()));
        check(text.as_bytes(), &files);
    }
}

/// Found by `arbitrary_bytes_never_panic`: lone CRs end lines, so a position after them is
/// within the file as an editor shows it.
#[test]
fn lone_carriage_returns_count_as_line_ends() {
    check(b"titel: x\r\r\r\r  foo: [\n", &valid_interventions());
}
