//! load: a data folder -> the model, with every source text kept for locating problems.
//! Reads `kaart.yaml` and `interventies/*.yaml` in path order; checks syntax, keys and types
//! per file and reports them all. Never checks references between files (that is validate).

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_yaml::{Mapping, Value};
use unicode_normalization::UnicodeNormalization;

use crate::diag::{Diagnostic, nearest};
use crate::model::*;

/// Largest input file we read; a real intervention is a few kilobytes.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;
/// Most interventions in one kaart (a national catalogue has a few thousand).
pub const MAX_INTERVENTIONS: usize = 50_000;
/// Longest text in one field, in characters.
pub const MAX_FIELD_CHARS: usize = 20_000;
/// Most items in one list field.
pub const MAX_LIST_ITEMS: usize = 200;
/// The date used when `datum` is absent and `SOURCE_DATE_EPOCH` is not set: never the clock.
pub const FALLBACK_DATE: Date = Date { year: 2000, month: 1, day: 1 };

/// Most input bytes in one kaart, all files together: a real catalogue is a few megabytes.
pub const MAX_TOTAL_BYTES: u64 = 512 * 1024 * 1024;

/// One input file as read: its path as shown to the user, and its text.
#[derive(Debug)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
}

/// An intervention together with the file it came from.
#[derive(Debug)]
pub struct LoadedIntervention {
    /// As far as it could be read: a field with an error is left empty (and reported).
    pub intervention: Intervention,
    pub source: Arc<Source>,
    /// Keys that had an error or look misspelt, so validate does not also call them missing.
    pub bad_keys: BTreeSet<String>,
}

/// What load produces: the model as far as it could be read, and every problem found.
/// When `diagnostics` holds an error, the model may be partial: validate checks what it can
/// (so one run reports everything) but never hands a partial model on.
#[derive(Debug)]
pub struct Loaded {
    pub kaart: Option<(Kaart, Arc<Source>)>,
    pub interventions: Vec<LoadedIntervention>,
    /// Ids of intervention files that exist but could not be read at all (syntax, encoding):
    /// a `verwant` pointing at one of them is not reported as dangling.
    pub unreadable: BTreeSet<String>,
    /// Errors and warnings, unsorted.
    pub diagnostics: Vec<Diagnostic>,
    /// A hash of every input byte: stable ids (the PDF `/ID`) come from it, never from a clock.
    pub fingerprint: [u8; 16],
}

/// Options that come from outside the data folder.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// `SOURCE_DATE_EPOCH` (seconds), used for `datum` when kaart.yaml has none.
    pub source_date_epoch: Option<i64>,
}

/// Reads the data folder `dir`.
pub fn load(dir: &Path, opts: &LoadOptions) -> Loaded {
    let mut diags = Vec::new();
    if !dir.is_dir() {
        diags.push(
            Diagnostic::error(dir, 0, 0, "de datamap bestaat niet of is geen map")
                .with_hint("geef de map met kaart.yaml en interventies/ op met --data MAP"),
        );
        return parse_inputs(Err(()), Vec::new(), diags, opts);
    }
    let mut budget = MAX_TOTAL_BYTES;
    let kaart = read_source(&dir.join("kaart.yaml"), &mut budget).map_err(|d| diags.push(*d));

    let mut interventions = Vec::new();
    let int_dir = dir.join("interventies");
    match list_intervention_files(&int_dir, &mut diags) {
        Some(files) if files.is_empty() => diags.push(
            Diagnostic::error(&int_dir, 0, 0, "de map interventies/ bevat geen .yaml-bestanden")
                .with_hint("maak de eerste interventie met: kaart new <id>"),
        ),
        Some(files) if files.len() > MAX_INTERVENTIONS => diags.push(Diagnostic::error(
            &int_dir,
            0,
            0,
            format!("te veel interventies: {} (hoogstens {MAX_INTERVENTIONS})", files.len()),
        )),
        Some(files) => {
            // Read on the parsing threads, each file with the budget it would have had if
            // read in turn (sizes from the directory; a file is still cut at MAX_FILE_BYTES).
            for (id, path) in files {
                let meta = fs::metadata(&path);
                let len = meta.as_ref().map_or(0, |m| if m.is_file() { m.len() } else { 0 });
                interventions.push((id, Input::File(path, meta, budget)));
                if len <= MAX_FILE_BYTES && len <= budget {
                    budget -= len;
                }
            }
        }
        None => {}
    }
    parse_inputs(kaart, interventions, diags, opts)
}

/// An intervention file to parse: already read (or failed to), or still to read, with its
/// metadata and what is left of the total budget.
enum Input {
    Ready(Result<Source, ()>),
    File(PathBuf, std::io::Result<fs::Metadata>, u64),
}

/// Parses texts already read: `kaart.yaml` and `(id, file)` per intervention, where `Err(())`
/// marks a file that could not be read (its diagnostic is already in `diags`). `load` reads
/// the folder and calls this; tests and fuzzers call it with texts made in memory.
pub fn parse_sources(
    kaart: Result<Source, ()>,
    interventions: Vec<(String, Result<Source, ()>)>,
    diags: Vec<Diagnostic>,
    opts: &LoadOptions,
) -> Loaded {
    let inputs = interventions.into_iter().map(|(id, src)| (id, Input::Ready(src))).collect();
    parse_inputs(kaart, inputs, diags, opts)
}

/// `parse_sources`, reading the files still to read on the parsing threads.
fn parse_inputs(
    kaart: Result<Source, ()>,
    interventions: Vec<(String, Input)>,
    mut diags: Vec<Diagnostic>,
    opts: &LoadOptions,
) -> Loaded {
    let mut hasher = Fingerprint::default();
    let kaart = match kaart {
        Ok(src) => {
            hasher.add(&src);
            parse_kaart(src, opts, &mut diags)
        }
        Err(()) => None,
    };
    // Files parse independently: on all cores, in chunks that keep path order.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = interventions.len().div_ceil(threads).max(1);
    let mut parts = Vec::new();
    let mut rest = interventions.into_iter();
    loop {
        let part: Vec<_> = rest.by_ref().take(chunk).collect();
        if part.is_empty() {
            break;
        }
        parts.push(part);
    }
    let results: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| {
                scope.spawn(move || {
                    let (mut loaded, mut unreadable, mut diags) = (Vec::new(), BTreeSet::new(), Vec::new());
                    // Each file's own hash, mixed into the fingerprint in path order below.
                    let mut hashes = Vec::new();
                    for (id, input) in part {
                        let src = match input {
                            Input::Ready(src) => src,
                            Input::File(path, meta, mut budget) => {
                                read_source_with(&path, meta, &mut budget).map_err(|d| diags.push(*d))
                            }
                        };
                        if let Ok(src) = &src {
                            let mut h = Fingerprint::default();
                            h.add(src);
                            hashes.push(h.0);
                        }
                        match src.map(|src| parse_intervention(id.clone(), src, &mut diags)) {
                            Ok(Some(li)) => loaded.push(li),
                            _ => {
                                unreadable.insert(id);
                            }
                        }
                    }
                    (loaded, unreadable, diags, hashes)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().expect("internal error: a parser thread panicked")).collect()
    });
    crate::mark("load: parsed");
    let mut loaded = Vec::new();
    let mut unreadable = BTreeSet::new();
    for (l, u, d, hashes) in results {
        loaded.extend(l);
        unreadable.extend(u);
        diags.extend(d);
        for [a, b] in hashes {
            hasher.mix(a);
            hasher.mix(b);
        }
    }
    Loaded { kaart, interventions: loaded, unreadable, diagnostics: diags, fingerprint: hasher.finish() }
}

/// `(id, path)` of every `*.yaml` in `interventies/`, sorted by file name (bytes).
fn list_intervention_files(dir: &Path, diags: &mut Vec<Diagnostic>) -> Option<Vec<(String, PathBuf)>> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            diags.push(
                Diagnostic::error(dir, 0, 0, "de map interventies/ ontbreekt")
                    .with_hint("zet elke interventie in een eigen bestand interventies/<id>.yaml"),
            );
            return None;
        }
        Err(e) => {
            diags.push(Diagnostic::error(dir, 0, 0, format!("kan de map interventies/ niet lezen: {}", io_dutch(&e))));
            return None;
        }
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue; // editor swap files, .DS_Store
        }
        let path = entry.path();
        if let Some(id) = name.strip_suffix(".yaml") {
            files.push((id.to_string(), path));
        } else if let Some(id) = name.strip_suffix(".yml").or_else(|| name.strip_suffix(".YAML")) {
            diags.push(
                Diagnostic::error(&path, 0, 0, "bestand eindigt niet op .yaml en wordt niet gelezen")
                    .with_hint(format!("hernoem het naar {id}.yaml")),
            );
        }
        if files.len() > MAX_INTERVENTIONS {
            break; // enough to report "too many" without listing a million names
        }
    }
    files.sort();
    Some(files)
}

/// Reads one file with the size limits, checks UTF-8 (a BOM is dropped) and control characters.
/// `budget` is what is left of `MAX_TOTAL_BYTES`.
fn read_source(path: &Path, budget: &mut u64) -> Result<Source, Box<Diagnostic>> {
    read_source_with(path, fs::metadata(path), budget)
}

/// `read_source`, with the file's metadata already asked for.
fn read_source_with(
    path: &Path,
    meta: std::io::Result<fs::Metadata>,
    budget: &mut u64,
) -> Result<Source, Box<Diagnostic>> {
    let fail = |line: u32, msg: String| Box::new(Diagnostic::error(path, line, line.min(1), msg));
    let meta = match meta {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if path.file_name().is_some_and(|n| n == "kaart.yaml") {
                return Err(Box::new(
                    Diagnostic::error(path, 0, 0, "kaart.yaml ontbreekt")
                        .with_hint("elke kaart heeft een kaart.yaml met titel, domeinen, doelgroepen en financiering; kijk in docs/redactie.md"),
                ));
            }
            // A symbolic link whose target is gone.
            return Err(fail(0, "bestand ontbreekt (een symbolische link naar een bestand dat er niet is?)".into()));
        }
        Err(e) => return Err(fail(0, format!("kan het bestand niet lezen: {}", io_dutch(&e)))),
    };
    if meta.is_dir() {
        return Err(Box::new(
            Diagnostic::error(path, 0, 0, "dit is een map, geen bestand")
                .with_hint("een interventie is één bestand <id>.yaml; hernoem de map of haal hem uit interventies/"),
        ));
    }
    if !meta.is_file() {
        return Err(fail(0, "dit is geen gewoon bestand".to_string()));
    }
    let too_big = |n: u64| {
        Box::new(
            Diagnostic::error(path, 1, 1, format!("bestand is te groot: {n} bytes (hoogstens {MAX_FILE_BYTES})"))
                .with_hint("een interventie is een paar kilobyte; staat er per ongeluk iets anders in dit bestand?"),
        )
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_big(meta.len()));
    }
    if meta.len() > *budget {
        return Err(fail(
            1,
            format!("alle bestanden samen zijn groter dan {MAX_TOTAL_BYTES} bytes; dit bestand is niet meer gelezen"),
        ));
    }
    let mut bytes = Vec::new();
    let read = fs::File::open(path).and_then(|f| f.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes));
    if let Err(e) = read {
        return Err(fail(0, format!("kan het bestand niet lezen: {}", io_dutch(&e))));
    }
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    *budget = budget.saturating_sub(bytes.len() as u64);
    source_from_bytes(path, &bytes).map_err(Box::new)
}

/// Whether UTF-8 `bytes` may hold a control character other than newline and tab, or U+FEFF:
/// a C0 byte or DEL, a C1 control (0xC2 0x80-0x9F) or 0xEF 0xBB 0xBF. A walk over bytes, not
/// characters: every file is checked on every build.
fn may_hold_control(bytes: &[u8]) -> bool {
    // First, per block of 64 bytes and without a branch (so the compiler can vectorise it),
    // whether any byte could begin one; only such blocks are looked at byte by byte.
    let suspect = |b: u8| (b < 0x20 && b != b'\n' && b != b'\t') | (b == 0x7F) | (b == 0xC2) | (b == 0xEF);
    bytes.chunks(64).enumerate().any(|(k, block)| {
        block.iter().fold(false, |any, &b| any | suspect(b))
            && (k * 64..k * 64 + block.len()).any(|i| control_at(bytes, i))
    })
}

/// Whether a control character, C1 control or byte-order mark starts at `bytes[i]`.
fn control_at(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        b'\n' | b'\t' => false,
        0..0x20 | 0x7F => true,
        0xC2 => bytes.get(i + 1).is_some_and(|n| (0x80..0xA0).contains(n)),
        0xEF => bytes.get(i + 1) == Some(&0xBB),
        _ => false,
    }
}

/// Decodes one file's bytes: UTF-8 (a BOM is dropped), line ends made `\n`, and no control
/// characters except tabs inside text.
pub fn source_from_bytes(path: &Path, bytes: &[u8]) -> Result<Source, Diagnostic> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) if t.contains('\r') => t.replace("\r\n", "\n").replace('\r', "\n"),
        Ok(t) => t.to_string(),
        Err(e) => {
            let at = e.valid_up_to();
            let (line, col) = line_col(bytes, at);
            let shown: String = bytes[at..]
                .iter()
                .take(e.error_len().unwrap_or(1))
                .map(|b| format!("0x{b:02X}"))
                .collect::<Vec<_>>()
                .join(" ");
            let line_text = String::from_utf8_lossy(bytes).lines().nth(line as usize - 1).unwrap_or("").to_string();
            let mut d = Diagnostic::error(path, line, col, format!("bestand is geen UTF-8: byte {shown} is geen geldig teken"))
                .with_hint("sla het bestand op als UTF-8 (in Kladblok: Opslaan als, codering UTF-8); vaak is een é of ë in een andere codering geplakt");
            d.source_line = Some(line_text);
            return Err(d);
        }
    };
    if may_hold_control(text.as_bytes())
        && let Some((i, c)) =
            text.char_indices().find(|&(_, c)| c != '\n' && c != '\t' && (c.is_control() || c == '\u{FEFF}'))
    {
        let (line, col) = line_col(text.as_bytes(), i);
        let what = match c {
            '\u{0B}' => "verticale tab (U+000B, een regeleinde uit Word)".to_string(),
            '\u{0C}' => "pagina-einde (U+000C)".to_string(),
            '\u{FEFF}' => "onzichtbaar teken U+FEFF".to_string(),
            _ => format!("stuurteken U+{:04X}", c as u32),
        };
        return Err(Diagnostic::error(path, line, col, format!("onzichtbaar {what} in de tekst"))
            .with_source(&text, 1)
            .with_hint("verwijder het teken (vaak meegekomen bij kopiëren uit Word of een webpagina): zet de cursor erop en druk op Delete"));
    }
    // YAML forbids tabs for indentation; a tab inside text is only trouble (it prints as nothing).
    if let Some(i) = text.find('\t') {
        let (line, col) = line_col(text.as_bytes(), i);
        let line_start = text[..i].rfind('\n').map_or(0, |p| p + 1);
        let indenting = text[line_start..i].chars().all(|c| c == ' ' || c == '\t');
        let d = Diagnostic::error(path, line, col, if indenting { "tab gebruikt om in te springen" } else { "tab-teken in de tekst" })
            .with_source(&text, 1)
            .with_hint(if indenting {
                "YAML springt in met spaties, niet met tabs: vervang de tab door spaties (zet in uw editor \"tabs als spaties\" aan)"
            } else {
                "vervang de tab door een spatie"
            });
        return Err(d);
    }
    Ok(Source { path: path.to_path_buf(), text })
}

fn io_dutch(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::PermissionDenied => "geen toegang".to_string(),
        _ if e.raw_os_error() == Some(40) => "te veel symbolische links (een lus?)".to_string(),
        _ => e.to_string(),
    }
}

/// 1-based line and column (in characters) of byte offset `at`.
pub fn line_col(bytes: &[u8], at: usize) -> (u32, u32) {
    let before = &bytes[..at.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    (line as u32, col as u32)
}

/// Parses YAML text to a value, turning syntax errors into a located diagnostic.
fn parse_yaml(src: &Source, diags: &mut Vec<Diagnostic>) -> Option<Value> {
    // libyaml re-scans its stack of open brackets for every token: 500,000 `[` would take hours
    // before serde_yaml's own depth limit (128) is reached. Stop such input before parsing.
    if let Some(at) = too_deep(&src.text) {
        let (line, col) = line_col(src.text.as_bytes(), at);
        diags.push(yaml_error(src, "recursion limit exceeded", Some((line, col))));
        return None;
    }
    match serde_yaml::from_str::<Value>(&src.text) {
        Ok(v) => Some(v),
        Err(e) => {
            let at = e.location().map(|l| (l.line() as u32, l.column() as u32));
            diags.push(yaml_error(src, &e.to_string(), at));
            None
        }
    }
}

/// Byte offset of the first `[` or `{` nested deeper than serde_yaml's limit of 128, looking
/// past quoted text and comments (per line: a rough scan that only needs to avoid false alarms).
fn too_deep(text: &str) -> Option<usize> {
    const LIMIT: usize = 128;
    // Deeper than the limit takes more brackets than that: most files have a handful.
    if text.bytes().filter(|&b| b == b'[' || b == b'{').count() <= LIMIT {
        return None;
    }
    let (mut depth, mut quote, mut comment) = (0usize, None, false);
    let mut prev = ' ';
    for (i, c) in text.char_indices() {
        match c {
            '\n' => (quote, comment) = (None, false),
            _ if comment => {}
            _ if quote == Some(c) => quote = None,
            _ if quote.is_some() => {}
            '"' | '\'' => quote = Some(c),
            '#' if prev.is_whitespace() => comment = true,
            '[' | '{' => {
                depth += 1;
                if depth > LIMIT {
                    return Some(i);
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        prev = c;
    }
    None
}

/// `line L column C` after `marker` in a serde_yaml message.
fn location_after(msg: &str, marker: &str) -> Option<(u32, u32)> {
    let rest = &msg[msg.find(marker)? + marker.len()..];
    let rest = rest.strip_prefix(" at line ")?;
    let (line, rest) = rest.split_once(" column ")?;
    let col: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((line.parse().ok()?, col.parse().ok()?))
}

/// serde_yaml (libyaml) speaks English and points where it noticed the problem; the editors
/// read Dutch and want to see where the problem starts (the bracket or quote left open).
fn yaml_error(src: &Source, msg: &str, at: Option<(u32, u32)>) -> Diagnostic {
    let text = &src.text;
    let (mut line, mut col) = at.unwrap_or((1, 1));
    let mut width = 1;
    let head = msg.split(" at line ").next().unwrap_or(msg);
    let (message, hint): (String, Option<String>) = if head.contains("did not find expected ',' or ']'")
        || head.contains("did not find expected ',' or '}'")
    {
        let (open, close) = if head.contains(']') { ('[', ']') } else { ('{', '}') };
        if let Some(opened) = location_after(msg, "while parsing a flow sequence")
            .or_else(|| location_after(msg, "while parsing a flow mapping"))
        {
            (line, col) = opened;
        }
        (
            format!("haakje {open} wordt niet gesloten"),
            Some(format!(
                "zet de {close} aan het eind van de lijst, op dezelfde regel: [a, b]; of zet elk element op een eigen regel met \"- \""
            )),
        )
    } else if head.contains("unknown escape") {
        (
            "onbekende code met \\ in tekst tussen dubbele aanhalingstekens".to_string(),
            Some("gebruik enkele aanhalingstekens '…' of schrijf \\\\ voor een backslash".into()),
        )
    } else if msg.contains("while scanning a quoted scalar") {
        if let Some(opened) = location_after(msg, "while scanning a quoted scalar") {
            (line, col) = opened;
        }
        let quote =
            line_text(text, line).chars().nth(col as usize - 1).filter(|c| *c == '\'' || *c == '"').unwrap_or('"');
        (
            format!("aanhalingsteken {quote} wordt niet gesloten"),
            Some(format!(
                "zet ook een {quote} aan het eind van de tekst; staat er een {quote} in de tekst zelf, gebruik dan het andere aanhalingsteken"
            )),
        )
    } else if head.contains("could not find expected ':'") {
        (
            "dubbele punt ontbreekt".to_string(),
            Some("een veld schrijft u als naam: waarde; tekst die doorloopt springt verder in dan het veld".into()),
        )
    } else if head.contains("mapping values are not allowed") {
        (
            "dubbele punt op een onverwachte plek".to_string(),
            Some("staat er een dubbele punt in de tekst? Zet de tekst dan tussen aanhalingstekens: \"…: …\", of begin een blok met |; anders klopt de inspringing niet".into()),
        )
    } else if head.contains("found character that cannot start any token") {
        (
            "dit teken mag niet aan het begin van een waarde staan".to_string(),
            Some("begint de tekst met @, ` of %? Zet de tekst dan tussen aanhalingstekens".into()),
        )
    } else if head.contains("duplicate entry") {
        let key = head.split("with key ").nth(1).map(|k| k.trim_matches('"').to_string()).unwrap_or_default();
        if let Some((l, c)) = second_key_line(text, &key) {
            (line, col, width) = (l, c, key.chars().count());
        }
        (format!("veld \"{key}\" staat twee keer in dit bestand"), Some("houd één van de twee over".into()))
    } else if head.contains("did not find expected key")
        || head.contains("did not find expected '-' indicator")
        || head.contains("block")
    {
        (
            "inspringing klopt niet".to_string(),
            Some("velden op hetzelfde niveau beginnen in dezelfde kolom; tekst die doorloopt springt verder in dan het veld".into()),
        )
    } else if head.contains("unknown anchor") {
        (
            "verwijzing * naar een anker dat niet bestaat".to_string(),
            Some("een * aan het begin van een waarde is YAML; zet de tekst tussen aanhalingstekens".into()),
        )
    } else if head.contains("recursion limit exceeded") {
        (
            "te diep genest: meer dan 128 lijsten of groepen in elkaar".to_string(),
            Some("staan er te veel [ of { achter elkaar? Een interventie heeft hoogstens twee niveaus".into()),
        )
    } else if head.contains("repetition limit exceeded") {
        // serde_yaml gives no location: point at the first alias.
        (line, col) = first_alias(text).unwrap_or((1, 1));
        (
            "te veel herhaling via ankers (&) en verwijzingen (*)".to_string(),
            Some("schrijf de tekst gewoon uit, zonder & en *".into()),
        )
    } else if head.contains("more than one document") {
        (line, col) = text.lines().position(|l| l.starts_with("---")).map_or((1, 1), |i| (i as u32 + 1, 1));
        (
            "meer dan één YAML-document in dit bestand".to_string(),
            Some("een regel --- scheidt documenten; haal hem weg of zet elke interventie in een eigen bestand".into()),
        )
    } else if head.contains("end of stream") {
        ("het bestand houdt onverwacht op".to_string(), Some("is een aanhalingsteken of haakje niet gesloten?".into()))
    } else if head.contains("invalid value") || head.contains("invalid type") {
        ("ongeldige YAML-tag (!!…)".to_string(), Some("haal de !!-aanduiding weg; de kaart leest gewone tekst".into()))
    } else {
        (format!("YAML-fout: {head}"), None)
    };
    // libyaml reports "end of stream" one line past a final newline: show the last line.
    let last = text.lines().count().max(1) as u32;
    if line > last {
        (line, col) = (last, line_text(text, last).chars().count() as u32 + 1);
    }
    Diagnostic::error(&src.path, line.max(1), col.max(1), message).with_source(text, width).with_hint_opt(hint)
}

fn line_text(text: &str, line: u32) -> &str {
    text.lines().nth((line as usize).saturating_sub(1)).unwrap_or("")
}

/// Where `key:` occurs a second time at the indentation of its first occurrence.
fn second_key_line(text: &str, key: &str) -> Option<(u32, u32)> {
    let mut first_indent = None;
    for (i, l) in text.lines().enumerate() {
        let t = l.trim_start();
        let t = t.strip_prefix("- ").unwrap_or(t);
        if t.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with(':')) {
            let indent = l.len() - t.len();
            match first_indent {
                None => first_indent = Some(indent),
                Some(f) if f == indent => return Some((i as u32 + 1, indent as u32 + 1)),
                Some(_) => {}
            }
        }
    }
    None
}

/// The first `*alias` in the text, 1-based.
fn first_alias(text: &str) -> Option<(u32, u32)> {
    text.lines().enumerate().find_map(|(i, l)| {
        let b = l.as_bytes();
        (0..b.len())
            .find(|&j| b[j] == b'*' && (j == 0 || matches!(b[j - 1], b' ' | b'[' | b',' | b'{')))
            .map(|j| (i as u32 + 1, l[..j].chars().count() as u32 + 1))
    })
}

/// Collects typed fields from one YAML mapping, reporting every problem with its location.
struct Fields<'a> {
    src: &'a Source,
    map: &'a Mapping,
    /// Where this mapping sits in the file, for locating its keys.
    path: Vec<Seg>,
    /// The keys this mapping may have, in the order the template lists them.
    order: &'a [&'a str],
    diags: &'a mut Vec<Diagnostic>,
    ok: bool,
    /// Keys with an error, and allowed keys that an unknown key looks like a misspelling of.
    bad: BTreeSet<String>,
}

/// A step in a path inside a YAML file: a key or a list index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(String),
    Index(usize),
}

impl<'a> Fields<'a> {
    fn new(
        src: &'a Source,
        map: &'a Mapping,
        path: Vec<Seg>,
        order: &'a [&'a str],
        diags: &'a mut Vec<Diagnostic>,
    ) -> Self {
        Fields { src, map, path, order, diags, ok: true, bad: BTreeSet::new() }
    }

    fn at(&self, key: &str) -> Vec<Seg> {
        let mut p = self.path.clone();
        p.push(Seg::Key(key.to_string()));
        p
    }

    fn error(&mut self, key: &str, value: Option<&str>, message: String, hint: Option<String>) {
        let d = locate_diag(self.src, &self.at(key), value, message).with_hint_opt(hint);
        self.diags.push(d);
        self.bad.insert(key.to_string());
        self.ok = false;
    }

    /// Reports every key not in `self.order`, with the nearest allowed key as a hint.
    fn check_keys(&mut self, what: &str) {
        let allowed = self.order;
        for k in self.map.keys() {
            let Some(name) = scalar_text(k) else {
                let d = locate_diag(self.src, &self.path, None, format!("een veldnaam in {what} is geen tekst"))
                    .with_hint(format!("toegestaan: {}", allowed.join(", ")));
                self.diags.push(d);
                self.ok = false;
                continue;
            };
            if !allowed.contains(&name.as_str()) {
                let near = nearest(&name, allowed.iter().copied());
                let hint = match near {
                    Some(c) => format!("bedoelde u \"{c}\"?"),
                    None => format!("toegestaan: {}", allowed.join(", ")),
                };
                if let Some(c) = near {
                    self.bad.insert(c.to_string());
                }
                let mut path = self.path.clone();
                path.push(Seg::Key(name.clone()));
                let d =
                    locate_diag(self.src, &path, None, format!("onbekend veld \"{name}\" in {what}")).with_hint(hint);
                self.diags.push(d);
                self.ok = false;
            }
        }
    }

    fn raw(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// The value of `key`, or `None` after reporting it when it is required and missing or empty.
    fn required(&mut self, key: &str, required: bool) -> Option<&'a Value> {
        match self.map.get(key) {
            Some(v) if !v.is_null() => Some(v),
            Some(_) => {
                if required {
                    self.error(key, None, format!("verplicht veld \"{key}\" is leeg"), Some(fill_hint(key)));
                }
                None
            }
            None => {
                if required {
                    self.missing(key);
                }
                None
            }
        }
    }

    fn text(&mut self, key: &str, required: bool) -> Option<String> {
        let v = self.required(key, required)?;
        match scalar_text(v) {
            Some(s) => {
                let s = clean_text(&s);
                if s.trim().is_empty() {
                    if required {
                        self.error(key, None, format!("verplicht veld \"{key}\" is leeg"), Some(fill_hint(key)));
                    }
                    return None;
                }
                if s.chars().count() > MAX_FIELD_CHARS {
                    self.error(
                        key,
                        None,
                        format!(
                            "veld \"{key}\" is te lang: {} tekens (hoogstens {MAX_FIELD_CHARS})",
                            s.chars().count()
                        ),
                        Some("kort de tekst in of verwijs naar de website van de aanbieder".into()),
                    );
                    return None;
                }
                Some(s.trim_end().to_string())
            }
            None => {
                let hint = match v {
                    Value::Sequence(_) => "haal de [ ] of de streepjes weg: dit veld is één tekst",
                    Value::Mapping(_) => {
                        "staat er een dubbele punt in de tekst? Zet de tekst dan tussen aanhalingstekens of schrijf een blok: een | na de dubbele punt en de tekst ingesprongen eronder"
                    }
                    _ => "schrijf gewone tekst, of een blok: een | na de dubbele punt en de tekst ingesprongen eronder",
                };
                self.error(
                    key,
                    None,
                    format!("veld \"{key}\" moet tekst zijn, geen {}", kind_dutch(v)),
                    Some(hint.into()),
                );
                None
            }
        }
    }

    /// A one-line text: names and summaries.
    fn line(&mut self, key: &str, required: bool) -> Option<String> {
        self.text(key, required).map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    fn list(&mut self, key: &str, required: bool) -> Vec<String> {
        let Some(v) = self.required(key, required) else {
            return Vec::new();
        };
        match v {
            Value::Sequence(items) => {
                if items.len() > MAX_LIST_ITEMS {
                    self.error(
                        key,
                        None,
                        format!("lijst \"{key}\" is te lang: {} elementen (hoogstens {MAX_LIST_ITEMS})", items.len()),
                        None,
                    );
                    return Vec::new();
                }
                let mut out = Vec::new();
                for item in items {
                    match scalar_text(item) {
                        Some(s) if !s.trim().is_empty() => out.push(clean_text(s.trim())),
                        _ => {
                            self.error(
                                key,
                                None,
                                format!("lijst \"{key}\" bevat een {}", match item {
                                    Value::Null => "leeg element".to_string(),
                                    Value::String(_) => "leeg element".to_string(),
                                    other => format!("{} als element", kind_dutch(other)),
                                }),
                                Some("elk element is één waarde: [a, b], of onder elkaar met \"- \" ervoor; staat er een dubbele punt in een element, zet het dan tussen aanhalingstekens".into()),
                            );
                        }
                    }
                }
                if required && out.is_empty() && !self.bad.contains(key) {
                    self.error(key, None, format!("lijst \"{key}\" is leeg"), Some(fill_hint(key)));
                }
                out
            }
            other => {
                let shown = scalar_text(other);
                self.error(
                    key,
                    shown.as_deref(),
                    format!("veld \"{key}\" moet een lijst zijn, geen {}", kind_dutch(other)),
                    Some(match &shown {
                        Some(s) if s.contains(',') => format!("zet de lijst tussen rechte haken: [{s}]"),
                        Some(s) => format!("schrijf [{s}], of zet elk element op een eigen regel met \"- \""),
                        None => "schrijf [a, b], of zet elk element op een eigen regel met \"- \"".into(),
                    }),
                );
                Vec::new()
            }
        }
    }

    fn date(&mut self, key: &str) -> Option<Date> {
        let s = self.line(key, false)?;
        match parse_date(&s) {
            Some(d) => Some(d),
            None => {
                let hint = date_hint(&s);
                self.error(key, Some(&s), format!("ongeldige datum \"{s}\" in \"{key}\""), Some(hint));
                None
            }
        }
    }

    /// Reports a missing required key at the place it belongs: after the key that precedes it
    /// in the template's order, or at the start of the mapping. A key that an unknown key looks
    /// like a misspelling of is not reported again.
    fn missing(&mut self, key: &str) {
        self.ok = false;
        if self.bad.contains(key) {
            return;
        }
        self.bad.insert(key.to_string());
        let d = missing_diag(self.src, &self.path, self.order, key, format!("verplicht veld \"{key}\" ontbreekt"));
        self.diags.push(d);
    }

    fn mapping(&mut self, key: &str) -> Option<&'a Mapping> {
        match self.raw(key)? {
            Value::Mapping(m) => Some(m),
            other => {
                let hint = match key {
                    "leeftijd" => "schrijf leeftijd: {min: 12, max: 23}, of min: en max: ingesprongen op eigen regels",
                    _ => "zet de onderdelen ingesprongen op eigen regels, zoals in het sjabloon van kaart new",
                };
                self.error(
                    key,
                    None,
                    format!("veld \"{key}\" moet velden bevatten, geen {}", kind_dutch(other)),
                    Some(hint.into()),
                );
                None
            }
        }
    }

    /// A nested mapping's fields, with the path and diagnostics of this one.
    fn nested<T>(&mut self, key: &str, order: &[&str], f: impl FnOnce(&mut Fields<'_>) -> T) -> Option<T> {
        let m = self.mapping(key)?;
        let path = self.at(key);
        let mut g = Fields::new(self.src, m, path, order, self.diags);
        g.check_keys(&format!("\"{key}\""));
        let out = f(&mut g);
        let (ok, bad) = (g.ok, !g.bad.is_empty());
        self.ok &= ok;
        if bad {
            self.bad.insert(key.to_string());
        }
        Some(out)
    }

    /// One value out of a fixed set (`kader`, `erkenning`), with a hint naming all of them.
    fn choice<T: Copy>(&mut self, key: &str, s: &str, all: &[(&'static str, T)], what: &str) -> Option<T> {
        if let Some((_, v)) = all.iter().find(|(k, _)| *k == s) {
            return Some(*v);
        }
        let names: Vec<&str> = all.iter().map(|(k, _)| *k).collect();
        let allowed = format!("toegestaan: {}", names.join(", "));
        let hint = match nearest(s, names.iter().copied()) {
            Some(c) => format!("bedoelde u \"{c}\"? {allowed}"),
            None => allowed,
        };
        self.error(key, Some(s), format!("onbekend{what} \"{s}\" in \"{key}\""), Some(hint));
        None
    }
}

fn fill_hint(key: &str) -> String {
    match key {
        "domeinen" | "doelgroepen" => format!("noem minstens één id uit kaart.yaml, zoals {key}: [id]"),
        _ => format!("vul \"{key}\" in; lange tekst schrijft u als blok: {key}: | en de tekst ingesprongen eronder"),
    }
}

/// What a date the editor wrote probably meant.
fn date_hint(s: &str) -> String {
    let parts: Vec<&str> = s.split(['-', '/', '.']).map(str::trim).collect();
    let ymd = match parts[..] {
        [y, m, d] if y.len() == 4 => Some((y, m, d, "met voorloopnullen")),
        [d, m, y] if y.len() == 4 => Some((y, m, d, "het jaar eerst")),
        _ => None,
    };
    let Some((y, m, d, order)) = ymd else {
        return "schrijf de datum als JJJJ-MM-DD, bijvoorbeeld 2026-03-31".to_string();
    };
    let (Ok(y), Ok(m), Ok(d)) = (y.parse::<u16>(), m.parse::<u8>(), d.parse::<u8>()) else {
        return "schrijf de datum als JJJJ-MM-DD, met cijfers, bijvoorbeeld 2026-03-31".to_string();
    };
    if !(1..=12).contains(&m) {
        return format!("maand {m} bestaat niet; schrijf de datum als JJJJ-MM-DD, bijvoorbeeld 2026-03-31");
    }
    let iso = format!("{y:04}-{m:02}-{d:02}");
    if parse_date(&iso).is_some() {
        return format!("schrijf de datum als JJJJ-MM-DD, {order}: {iso}");
    }
    let last = (28..=31).rev().find(|&n| parse_date(&format!("{y:04}-{m:02}-{n:02}")).is_some()).unwrap_or(28);
    let month = Date { year: y, month: m, day: 1 }.dutch().split(' ').nth(1).unwrap_or("").to_string();
    format!("die dag bestaat niet: {month} {y} heeft {last} dagen; schrijf de datum als JJJJ-MM-DD")
}

/// `message` about `key` missing from the mapping at `parent`, pointing at the key before it
/// in `order` (where it should be added), else at the mapping itself.
pub fn missing_diag(src: &Source, parent: &[Seg], order: &[&str], key: &str, message: String) -> Diagnostic {
    // Split once: a kaart may miss a key in thousands of files, and each is looked for among
    // the keys before it.
    let lines: Vec<&str> = src.text.lines().collect();
    let mut own = parent.to_vec();
    own.push(Seg::Key(key.to_string()));
    if let Some((line, col, width)) = resolve_in(&lines, &own) {
        // The key is there with an empty value.
        return Diagnostic::error(&src.path, line, col, message)
            .with_source(&src.text, width)
            .with_hint(format!("vul \"{key}\" in"));
    }
    let pos = order.iter().position(|k| *k == key).unwrap_or(order.len());
    let before = order[..pos].iter().rev().find_map(|k| {
        let mut p = parent.to_vec();
        p.push(Seg::Key((*k).to_string()));
        resolve_in(&lines, &p).map(|at| (*k, at))
    });
    match before {
        Some((prev, (line, col, width))) => Diagnostic::error(&src.path, line, col, message)
            .with_source(&src.text, width)
            .with_hint(format!("voeg \"{key}:\" toe, bijvoorbeeld na \"{prev}\"")),
        None => {
            let (line, col, width) = if parent.is_empty() { (1, 1, 1) } else { locate(&src.text, parent, None) };
            let where_ = if parent.is_empty() { "bovenaan het bestand" } else { "hier" };
            Diagnostic::error(&src.path, line, col, message)
                .with_source(&src.text, width)
                .with_hint(format!("voeg \"{key}:\" toe, {where_}"))
        }
    }
}

fn kind_dutch(v: &Value) -> &'static str {
    match v {
        Value::Null => "lege waarde",
        Value::Bool(_) => "ja/nee-waarde",
        Value::Number(_) => "getal",
        Value::String(_) => "tekst",
        Value::Sequence(_) => "lijst",
        Value::Mapping(_) => "groep velden",
        Value::Tagged(_) => "YAML-tag",
    }
}

/// A scalar as text; numbers and booleans are taken as written (`versie: 2` is "2").
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// NFC, without the invisible soft hyphens and zero-width spaces that pasted text brings.
pub fn clean_text(s: &str) -> String {
    // Most text is NFC already and has none of the invisible characters: copy it as it is.
    if already_clean(s) {
        return s.to_string();
    }
    let plain = !s.chars().any(|c| matches!(c, '\u{AD}' | '\u{200B}' | '\u{2060}' | '\u{A0}'));
    if plain && unicode_normalization::is_nfc_quick(s.chars()) == unicode_normalization::IsNormalized::Yes {
        return s.to_string();
    }
    s.nfc()
        .filter(|c| !matches!(c, '\u{AD}' | '\u{200B}' | '\u{2060}'))
        .map(|c| if c == '\u{A0}' { ' ' } else { c })
        .collect()
}

/// Whether `s` is NFC and free of the characters `clean_text` changes, told without decoding
/// its ASCII: only a character from U+0300 on (combining marks and beyond) can make a text not
/// NFC, and Dutch text has few but é, ë and €.
fn already_clean(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            i += 1;
            continue;
        }
        let c = s[i..].chars().next().expect("a character starts here");
        if matches!(c, '\u{AD}' | '\u{A0}') || c >= '\u{300}' && c != '€' && c != '’' && c != '‘' && c != '–' {
            // The full test decides.
            return false;
        }
        i += c.len_utf8();
    }
    true
}

/// `YYYY-MM-DD`, a real calendar date.
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year: u16 = s[0..4].parse().ok()?;
    let month: u8 = s[5..7].parse().ok()?;
    let day: u8 = s[8..10].parse().ok()?;
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (year >= 1900 && (1..=days).contains(&day)).then_some(Date { year, month, day })
}

/// The civil date of a Unix timestamp (UTC).
fn date_from_epoch(secs: i64) -> Option<Date> {
    Date::from_unix_days(secs.div_euclid(86_400))
}

const KAART_KEYS: &[&str] = &[
    "titel",
    "ondertitel",
    "uitgever",
    "auteur",
    "versie",
    "datum",
    "taal",
    "contact",
    "inleiding",
    "colofon",
    "domeinen",
    "doelgroepen",
    "financiering",
];

const DOMAIN_KEYS: &[&str] = &["id", "naam", "kleur", "beschrijving"];
const TARGET_GROUP_KEYS: &[&str] = &["id", "naam", "beschrijving"];
const FUNDING_KEYS: &[&str] = &["id", "naam", "toelichting"];

/// Parses kaart.yaml. With errors the kaart is still returned as far as it could be read, so
/// the interventions' references are checked in the same run.
fn parse_kaart(src: Source, opts: &LoadOptions, diags: &mut Vec<Diagnostic>) -> Option<(Kaart, Arc<Source>)> {
    let value = parse_yaml(&src, diags)?;
    let Value::Mapping(map) = &value else {
        diags.push(
            Diagnostic::error(&src.path, 1, 1, "kaart.yaml moet velden bevatten (titel:, domeinen:, …)")
                .with_source(&src.text, 1)
                .with_hint("kijk in docs/redactie.md voor een voorbeeld"),
        );
        return None;
    };
    let mut f = Fields::new(&src, map, Vec::new(), KAART_KEYS, diags);
    f.check_keys("kaart.yaml");
    let title = f.line("titel", true);
    let subtitle = f.line("ondertitel", false);
    let publisher = f.line("uitgever", false);
    let author = f.line("auteur", false);
    let version = f.line("versie", false);
    let date = f.date("datum");
    let lang = f.line("taal", false).unwrap_or_else(|| "nl-NL".to_string());
    let contact = f.line("contact", false);
    let intro = f.text("inleiding", false);
    let colophon = f.text("colofon", false);
    // The three lists must be there; an empty one is validate's business.
    for key in ["domeinen", "doelgroepen", "financiering"] {
        if f.map.get(key).is_none() {
            f.missing(key);
        }
    }
    drop(f);

    let domains = parse_entries(&src, map, "domeinen", DOMAIN_KEYS, diags, |f| {
        let id = f.line("id", true);
        let name = f.line("naam", true);
        let color = match f.map.get("kleur") {
            Some(Value::Null) if unquoted_hash(f.src, &f.at("kleur")) => {
                f.error(
                    "kleur",
                    None,
                    "kleur staat niet tussen aanhalingstekens: na een # leest YAML alles als commentaar".into(),
                    Some("schrijf kleur: \"#1F5FA8\", met de aanhalingstekens".into()),
                );
                None
            }
            _ => f.line("kleur", true).and_then(|s| match parse_color(&s) {
                Some(c) => Some(c),
                None => {
                    f.error(
                        "kleur",
                        Some(&s),
                        format!("ongeldige kleur \"{s}\""),
                        Some("schrijf een kleur als \"#RRGGBB\": een # en zes hexadecimale cijfers (0-9, A-F), zoals \"#1F5FA8\"".into()),
                    );
                    None
                }
            }),
        };
        let description = f.text("beschrijving", false);
        Some(Domain { id: id?, name: name.unwrap_or_default(), color: color.unwrap_or(Rgb(0, 0, 0)), description })
    });
    let target_groups = parse_entries(&src, map, "doelgroepen", TARGET_GROUP_KEYS, diags, |f| {
        let id = f.line("id", true);
        let name = f.line("naam", true);
        let description = f.text("beschrijving", false);
        Some(TargetGroup { id: id?, name: name.unwrap_or_default(), description })
    });
    let fundings = parse_entries(&src, map, "financiering", FUNDING_KEYS, diags, |f| {
        let id = f.line("id", true);
        let name = f.line("naam", true);
        let note = f.text("toelichting", false);
        Some(Funding { id: id?, name: name.unwrap_or_default(), note })
    });
    let date = date.or_else(|| opts.source_date_epoch.and_then(date_from_epoch)).unwrap_or(FALLBACK_DATE);
    let kaart = Kaart {
        title: title.unwrap_or_default(),
        subtitle,
        publisher,
        author,
        version,
        date,
        lang,
        contact,
        intro,
        colophon,
        domains,
        target_groups,
        fundings,
    };
    Some((kaart, Arc::new(src)))
}

/// Whether the value at `path` is an unquoted `#…`, which YAML reads as a comment.
fn unquoted_hash(src: &Source, path: &[Seg]) -> bool {
    resolve(&src.text, path).is_some_and(|(line, _, _)| {
        let l = line_text(&src.text, line);
        l.split_once(':').is_some_and(|(_, v)| v.trim_start().starts_with('#'))
    })
}

/// Parses the list under `key` in kaart.yaml, one mapping per entry.
fn parse_entries<T>(
    src: &Source,
    map: &Mapping,
    key: &str,
    allowed: &[&str],
    diags: &mut Vec<Diagnostic>,
    mut each: impl FnMut(&mut Fields<'_>) -> Option<T>,
) -> Vec<T> {
    let mut out = Vec::new();
    let Some(v) = map.get(key).filter(|v| !v.is_null()) else {
        return out;
    };
    let Value::Sequence(items) = v else {
        diags.push(
            locate_diag(
                src,
                &[Seg::Key(key.into())],
                None,
                format!("\"{key}\" moet een lijst zijn, geen {}", kind_dutch(v)),
            )
            .with_hint("zet elk element op een eigen regel, beginnend met \"- id: …\""),
        );
        return out;
    };
    let what = format!("een element van \"{key}\"");
    for (i, item) in items.iter().enumerate().take(MAX_LIST_ITEMS * 10) {
        let path = vec![Seg::Key(key.into()), Seg::Index(i)];
        let Value::Mapping(m) = item else {
            diags.push(
                locate_diag(
                    src,
                    &path,
                    None,
                    format!("{what} moet velden hebben (id:, naam:, …), geen {}", kind_dutch(item)),
                )
                .with_hint("schrijf \"- id: …\" en daaronder, even ver ingesprongen als id, \"naam: …\""),
            );
            continue;
        };
        let mut f = Fields::new(src, m, path, allowed, diags);
        f.check_keys(&what);
        if let Some(v) = each(&mut f) {
            out.push(v);
        }
    }
    out
}

fn parse_color(s: &str) -> Option<Rgb> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
}

/// The keys of an intervention, in the order of the template (`kaart new`).
pub const INTERVENTION_KEYS: &[&str] = &[
    "naam",
    "samenvatting",
    "domeinen",
    "doelgroepen",
    "beschrijving",
    "doel",
    "werkwijze",
    "indicatie",
    "contra_indicatie",
    "aanmelding",
    "aanbieder",
    "kader",
    "financiering",
    "leeftijd",
    "duur",
    "kosten",
    "erkenning",
    "regio",
    "contact",
    "verwant",
    "trefwoorden",
    "bronnen",
    "bijgewerkt",
];

/// Parses one intervention file. With errors the intervention is still returned as far as it
/// could be read (the diagnostics say it is broken), so cross-file checks run in the same pass;
/// `None` only when the file is no mapping at all.
fn parse_intervention(id: String, src: Source, diags: &mut Vec<Diagnostic>) -> Option<LoadedIntervention> {
    let value = parse_yaml(&src, diags)?;
    let Value::Mapping(map) = &value else {
        let msg = if value.is_null() {
            "het bestand is leeg".to_string()
        } else {
            format!("een interventie moet velden bevatten (naam:, samenvatting:, …), geen {}", kind_dutch(&value))
        };
        diags.push(
            Diagnostic::error(&src.path, 1, 1, msg)
                .with_source(&src.text, 1)
                .with_hint("begin met een ingevuld sjabloon: kaart new <id>"),
        );
        return None;
    };
    let mut f = Fields::new(&src, map, Vec::new(), INTERVENTION_KEYS, diags);
    f.check_keys("een interventie");
    let name = f.line("naam", true);
    let summary = f.line("samenvatting", true);
    let domains = f.list("domeinen", true);
    let target_groups = f.list("doelgroepen", true);
    let description = f.text("beschrijving", true);
    let goal = f.text("doel", false);
    let method = f.text("werkwijze", false);
    let indication = f.text("indicatie", false);
    let contra_indication = f.text("contra_indicatie", false);
    let referral = f.text("aanmelding", false);
    let provider = f.line("aanbieder", false);
    let frameworks = f
        .list("kader", false)
        .into_iter()
        .filter_map(|s| f.choice("kader", &s, &Framework::ALL, " kader"))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let fundings = f.list("financiering", false);
    let age = f
        .nested("leeftijd", &["min", "max"], |g| {
            let mut num = |key: &str| -> Option<u32> {
                let v = g.raw(key)?;
                match v.as_u64().and_then(|n| u32::try_from(n).ok()).filter(|n| *n <= 130) {
                    Some(n) => Some(n),
                    None => {
                        let shown = scalar_text(v);
                        g.error(
                            key,
                            shown.as_deref(),
                            format!("leeftijd \"{key}\" moet een heel getal van 0 tot 130 zijn"),
                            Some("in jaren, zonder \"jaar\": leeftijd: {min: 12, max: 23}".into()),
                        );
                        None
                    }
                }
            };
            let min = num("min");
            let max = num("max");
            AgeRange { min, max }
        })
        .filter(|a| a.min.is_some() || a.max.is_some());
    let duration = f.line("duur", false);
    let costs = f.line("kosten", false);
    let recognition =
        f.line("erkenning", false).and_then(|s| f.choice("erkenning", &s, &Recognition::ALL, "e erkenning"));
    let regions = f.list("regio", false);
    let contact = f
        .nested("contact", &["website", "email", "telefoon"], |g| Contact {
            website: g.line("website", false),
            email: g.line("email", false),
            phone: g.line("telefoon", false),
        })
        .filter(|c| c.website.is_some() || c.email.is_some() || c.phone.is_some());
    let related = f.list("verwant", false);
    let keywords = f.list("trefwoorden", false);
    let sources = f.list("bronnen", false);
    let updated = f.date("bijgewerkt");
    let bad_keys = std::mem::take(&mut f.bad);
    let intervention = Intervention {
        id,
        name: name.unwrap_or_default(),
        summary: summary.unwrap_or_default(),
        domains,
        target_groups,
        description: description.unwrap_or_default(),
        goal,
        method,
        indication,
        contra_indication,
        referral,
        provider,
        frameworks,
        fundings,
        age,
        duration,
        costs,
        recognition,
        regions,
        contact,
        related,
        keywords,
        sources,
        updated,
    };
    Some(LoadedIntervention { intervention, source: Arc::new(src), bad_keys })
}

/// A diagnostic at `path` (and at `value` inside it, when given) in `src`.
pub fn locate_diag(src: &Source, path: &[Seg], value: Option<&str>, message: String) -> Diagnostic {
    let (line, col, width) = locate(&src.text, path, value);
    Diagnostic::error(&src.path, line, col, message).with_source(&src.text, width)
}

/// Finds `path` (and `value` inside it) in YAML text by indentation, without a second parser:
/// `(line, col, width)`, 1-based. Falls back to the nearest enclosing place it can find.
pub fn locate(text: &str, path: &[Seg], value: Option<&str>) -> (u32, u32, usize) {
    let lines: Vec<&str> = text.lines().collect();
    let (_, start, end, found) = walk(&lines, path);
    if let Some(v) = value.filter(|v| !v.is_empty()) {
        for (i, l) in lines.iter().enumerate().take(end).skip(start) {
            // Skip the key itself so `domeinen: [domeinen-x]` finds the value, not the key.
            let from = if found.is_some_and(|(fi, _, _)| fi == i) { l.find(':').map_or(0, |p| p + 1) } else { 0 };
            if let Some(pos) = l[from..].find(v) {
                let col = l[..from + pos].chars().count();
                return (i as u32 + 1, col as u32 + 1, v.chars().count());
            }
        }
    }
    match found {
        Some((i, col, w)) => (i as u32 + 1, lines[i][..col.min(lines[i].len())].chars().count() as u32 + 1, w),
        None => (1, 1, 1),
    }
}

/// Like `locate` without a value, but `None` unless every step of `path` was found.
pub fn resolve(text: &str, path: &[Seg]) -> Option<(u32, u32, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    resolve_in(&lines, path)
}

/// `resolve` in a text already split into lines.
fn resolve_in(lines: &[&str], path: &[Seg]) -> Option<(u32, u32, usize)> {
    match walk(lines, path) {
        (true, _, _, Some((i, col, w))) => {
            Some((i as u32 + 1, lines[i][..col.min(lines[i].len())].chars().count() as u32 + 1, w))
        }
        _ => None,
    }
}

/// Follows `path` through the lines: whether every step was found, the block `[start, end)`
/// of the last step found, and that step's `(line index, byte column, width)`.
fn walk(lines: &[&str], path: &[Seg]) -> (bool, usize, usize, Option<(usize, usize, usize)>) {
    // The block we search in: [start, end) lines, and the column of the current node.
    let (mut start, mut end) = (0usize, lines.len());
    let mut found: Option<(usize, usize, usize)> = None; // (line index, col index, width)
    let is_content = |l: &str| {
        let t = l.trim_start();
        !t.is_empty() && !t.starts_with('#')
    };
    let indent = |l: &str| l.len() - l.trim_start().len();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                // The least indented line in the block that holds `k:` (or `- k:`).
                let mut best: Option<(usize, usize)> = None;
                for (i, l) in lines.iter().enumerate().take(end).skip(start) {
                    if !is_content(l) {
                        continue;
                    }
                    let t = l.trim_start();
                    let (t, extra) = match t.strip_prefix("- ") {
                        Some(rest) => (rest.trim_start(), t.len() - rest.trim_start().len()),
                        None => (t, 0),
                    };
                    let t = t.strip_prefix(['"', '\'']).unwrap_or(t);
                    let key_here = t.strip_prefix(k.as_str()).is_some_and(|r| {
                        let r = r.strip_prefix(['"', '\'']).unwrap_or(r);
                        r.trim_start().starts_with(':')
                    });
                    if key_here {
                        let col = indent(l) + extra;
                        if best.is_none_or(|(_, c)| col < c) {
                            best = Some((i, col));
                        }
                    }
                }
                let Some((i, col)) = best else { return (false, start, end, found) };
                found = Some((i, col, k.chars().count().max(1)));
                // The key's block: its own line and the lines below it that are more indented,
                // or list items at the key's own indentation (`key:\n- a` is valid YAML).
                let mut j = i + 1;
                while j < end
                    && (!is_content(lines[j])
                        || indent(lines[j]) > col
                        || (indent(lines[j]) == col && lines[j].trim_start().starts_with('-')))
                {
                    j += 1;
                }
                start = i;
                end = j;
            }
            Seg::Index(n) => {
                let dash_lines: Vec<usize> = (start..end)
                    .filter(|&i| is_content(lines[i]) && lines[i].trim_start().starts_with('-') && i > start)
                    .collect();
                let Some(min_indent) = dash_lines.iter().map(|&i| indent(lines[i])).min() else {
                    return (false, start, end, found);
                };
                let items: Vec<usize> = dash_lines.into_iter().filter(|&i| indent(lines[i]) == min_indent).collect();
                let Some(&i) = items.get(*n) else { return (false, start, end, found) };
                let next = items.get(n + 1).copied().unwrap_or(end);
                found = Some((i, min_indent, 1));
                start = i;
                end = next;
            }
        }
    }
    (true, start, end, found)
}

/// A 128-bit hash of every input byte (two FNV-style lanes over 64-bit words): stable ids, no clock.
#[derive(Debug)]
struct Fingerprint([u64; 2]);

impl Default for Fingerprint {
    fn default() -> Self {
        Fingerprint([0xcbf2_9ce4_8422_2325, 0x6c62_272e_07bb_0142])
    }
}

impl Fingerprint {
    fn add(&mut self, src: &Source) {
        let name = src.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        // Eight bytes at a time: the input is hashed on every build, and a national catalogue
        // is a hundred megabytes.
        for bytes in [name.as_bytes(), &[0], src.text.as_bytes(), &[0]] {
            let mut chunks = bytes.chunks_exact(8);
            for c in &mut chunks {
                let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
                self.mix(w);
            }
            for &b in chunks.remainder() {
                self.mix(u64::from(b));
            }
        }
    }

    fn mix(&mut self, w: u64) {
        self.0[0] = (self.0[0] ^ w).wrapping_mul(0x0000_0100_0000_01b3);
        self.0[1] = (self.0[1] ^ w.rotate_left(29)).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(5);
    }

    fn finish(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.0[0].to_be_bytes());
        out[8..].copy_from_slice(&self.0[1].to_be_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str =
        "naam: Test\ndomeinen:\n  - zorg\n  - wonem\ncontact:\n  website: x\n  email: a@b\nverwant: [een, twee]\n";

    #[test]
    fn control_characters_are_found_byte_by_byte() {
        for (text, control) in [
            ("naam: Café\n\tbeschrijving: tekst – €\n", false),
            ("a\u{0B}b", true),
            ("a\u{7F}", true),
            ("a\u{85}b", true),
            ("a\u{FEFF}", true),
            ("\u{A0}\u{BF}é", false),
            ("\r", true),
        ] {
            assert_eq!(may_hold_control(text.as_bytes()), control, "{text:?}");
        }
    }

    #[test]
    fn locates_keys_values_and_list_items() {
        assert_eq!(locate(DOC, &[Seg::Key("naam".into())], None), (1, 1, 4));
        assert_eq!(locate(DOC, &[Seg::Key("domeinen".into())], Some("wonem")), (4, 5, 5));
        assert_eq!(locate(DOC, &[Seg::Key("contact".into()), Seg::Key("email".into())], None), (7, 3, 5));
        assert_eq!(locate(DOC, &[Seg::Key("verwant".into())], Some("twee")), (8, 16, 4));
    }

    #[test]
    fn locates_entries_in_kaart_lists() {
        let k = "domeinen:\n  - id: a\n    naam: A\n  - id: b\n    kleur: x\n";
        let p = [Seg::Key("domeinen".into()), Seg::Index(1), Seg::Key("kleur".into())];
        assert_eq!(locate(k, &p, None), (5, 5, 5));
    }

    #[test]
    fn dates_are_checked_on_the_calendar() {
        assert_eq!(parse_date("2024-02-29"), Some(Date { year: 2024, month: 2, day: 29 }));
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("1-1-2023"), None);
        assert_eq!(date_from_epoch(1_700_000_000), Some(Date { year: 2023, month: 11, day: 14 }));
    }

    #[test]
    fn colours_need_six_hex_digits() {
        assert_eq!(parse_color("#1F5fA8"), Some(Rgb(0x1f, 0x5f, 0xa8)));
        assert_eq!(parse_color("1F5FA8"), None);
        assert_eq!(parse_color("#1F5FA"), None);
        assert_eq!(parse_color("#GGGGGG"), None);
    }

    #[test]
    fn control_characters_are_found_in_any_block() {
        let plain = "Tekst met é, ë, € en ·, over meer regels\n\tingesprongen.\n".repeat(5);
        assert!(!may_hold_control(plain.as_bytes()));
        for bad in ["\u{0B}", "\u{0C}", "\u{7F}", "\u{85}", "\u{FEFF}", "\r"] {
            for at in [0, 1, 63, 64, 65, 127, plain.len()] {
                let s = format!("{}{bad}{}", &plain[..at], &plain[at..]);
                assert!(may_hold_control(s.as_bytes()), "{bad:?} at {at}");
            }
        }
        // A C1 control's two bytes split over two blocks.
        let mut split = "x".repeat(63);
        split.push('\u{85}');
        assert!(may_hold_control(split.as_bytes()));
    }

    #[test]
    fn pasted_text_is_cleaned() {
        assert_eq!(clean_text("e\u{301}e\u{AD}n\u{A0}x"), "éen x");
        assert_eq!(clean_text("café € 25 – ‘één’"), "café € 25 – ‘één’");
        assert_eq!(clean_text("zero\u{200B}width\u{2060}joiner"), "zerowidthjoiner");
        assert!(!already_clean("A\u{30A}") && !already_clean("a\u{AD}b"));
    }

    /// What `already_clean` lets through unchanged is NFC on its own and in any sequence:
    /// every such character is its own NFC form and does not combine with the one before.
    #[test]
    fn text_passed_as_clean_is_nfc() {
        use unicode_normalization::char::canonical_combining_class;
        let passed = ('\u{80}'..'\u{3000}').filter(|c| already_clean(&c.to_string()));
        let mut n = 0;
        for c in passed {
            let s = c.to_string();
            assert_eq!(
                unicode_normalization::is_nfc_quick(s.chars()),
                unicode_normalization::IsNormalized::Yes,
                "{c:?}"
            );
            assert_eq!(canonical_combining_class(c), 0, "{c:?}");
            assert_eq!(s.nfc().collect::<String>(), s, "{c:?}");
            n += 1;
        }
        assert!(n > 600, "{n}");
    }
}
