//! `kaart` compiles a folder of YAML interventions into the interactive PDF interventiekaart.
//!
//! The pipeline, one module per stage, data flowing one way:
//!
//! ```text
//! load      folder      -> model + source texts          (syntax, keys, types)
//! validate  model       -> Catalogue | diagnostics       (references, formats, font coverage)
//! layout    Catalogue   -> pages of labelled boxes       (text measured with the real font)
//! render    boxes       -> content streams + fonts       (fonts subset once; printpdf)
//! structure document    -> PDF bytes via lopdf           (links, outline, names, labels, metadata)
//! write     bytes       -> file, atomically
//! ```
//!
//! `model`, `diag`, `fonts`, `syntax` and `deflate` are shared by the stages; no stage calls a later one.

pub mod deflate;
pub mod diag;
pub mod fonts;
pub mod model;
pub mod syntax;

pub mod layout;
pub mod load;
pub mod render;
pub mod structure;
pub mod validate;
pub mod write;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub use diag::Diagnostic;
pub use layout::Paper;

/// Everything `kaart build` needs to know.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub data: PathBuf,
    pub output: PathBuf,
    pub paper: Paper,
    pub strict: bool,
    /// `SOURCE_DATE_EPOCH`, read by the caller: the only outside input besides the data.
    pub source_date_epoch: Option<i64>,
    /// Leave out the tags (PDF/UA structure): only to measure what tagging costs.
    pub untagged: bool,
}

/// What a build produced, for the one-line report.
#[derive(Debug, Clone)]
pub struct BuildReport {
    pub pages: usize,
    pub interventions: usize,
    pub bytes: usize,
    pub warnings: Vec<Diagnostic>,
    pub timings: Timings,
}

/// Wall time per stage.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub load: Duration,
    pub validate: Duration,
    pub layout: Duration,
    pub render: Duration,
    pub structure: Duration,
    pub write: Duration,
}

impl Timings {
    pub fn total(&self) -> Duration {
        self.load + self.validate + self.layout + self.render + self.structure + self.write
    }
}

/// Why a command failed. `Invalid` is the editors' business; the others are bugs or I/O.
#[derive(Debug)]
pub enum Error {
    /// The data has errors: all diagnostics (errors and warnings), sorted.
    Invalid(Vec<Diagnostic>),
    Layout(layout::LayoutError),
    Render(render::RenderError),
    Structure(structure::StructureError),
    Write(write::WriteError),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Invalid(d) => {
                let n = d.iter().filter(|d| d.is_error()).count();
                write!(f, "{n} fout(en) in de data")
            }
            Error::Layout(e) => e.fmt(f),
            Error::Render(e) => e.fmt(f),
            Error::Structure(e) => e.fmt(f),
            Error::Write(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {}

/// Loads and validates a data folder: the catalogue and its warnings.
pub fn check(
    data: &Path,
    strict: bool,
    source_date_epoch: Option<i64>,
) -> Result<(validate::Catalogue, Vec<Diagnostic>, [u8; 16]), Error> {
    let loaded = load::load(data, &load::LoadOptions { source_date_epoch });
    let fingerprint = loaded.fingerprint;
    let (cat, warnings) = validate::validate(loaded, validate::ValidateOptions { strict }).map_err(Error::Invalid)?;
    Ok((cat, warnings, fingerprint))
}

/// With `KAART_TIMINGS` set, the process's memory after `stage` (a developer's aid, on stderr).
fn trace(stage: &str) {
    if std::env::var_os("KAART_TIMINGS").is_some() {
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let rss =
            status.lines().filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM")).collect::<Vec<_>>().join(" ");
        let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let f: Vec<&str> = stat.rsplit(')').next().unwrap_or("").split_whitespace().collect();
        // utime and stime, in clock ticks of 10 ms.
        let ticks = f.get(11).and_then(|u| u.parse::<u64>().ok()).unwrap_or(0)
            + f.get(12).and_then(|s| s.parse::<u64>().ok()).unwrap_or(0);
        eprintln!("after {stage}: {rss} cpu {} ms", ticks * 10);
    }
}

/// Runs every stage up to the finished document, which is then written with `write_to`.
fn prepare(opts: &BuildOptions) -> Result<(structure::Finished, BuildReport), Error> {
    let mut t = Timings::default();
    mark("start");
    let start = Instant::now();
    let loaded = load::load(&opts.data, &load::LoadOptions { source_date_epoch: opts.source_date_epoch });
    t.load = start.elapsed();
    trace("load");

    let start = Instant::now();
    let fingerprint = loaded.fingerprint;
    let (cat, warnings) =
        validate::validate(loaded, validate::ValidateOptions { strict: opts.strict }).map_err(Error::Invalid)?;
    t.validate = start.elapsed();
    trace("validate");

    let start = Instant::now();
    let interventions = cat.interventions.len();
    // The layout owns all it needs: the catalogue's memory goes to the later stages.
    let mut lay =
        layout::layout(cat, &layout::LayoutOptions { paper: opts.paper, ident: fingerprint, untagged: opts.untagged })
            .map_err(Error::Layout)?;
    t.layout = start.elapsed();
    trace("layout");

    let start = Instant::now();
    let rendered = render::render(&mut lay).map_err(Error::Render)?;
    mark("render returned");
    t.render = start.elapsed();
    trace("render");

    let start = Instant::now();
    let finished = structure::finish(rendered, &mut lay).map_err(Error::Structure)?;
    t.structure = start.elapsed();
    trace("structure");

    let report = BuildReport { pages: lay.pages.len(), interventions, bytes: 0, warnings, timings: t };
    Ok((finished, report))
}

/// Runs every stage but writing a file: the PDF bytes, in memory.
pub fn compile(opts: &BuildOptions) -> Result<(Vec<u8>, BuildReport), Error> {
    let (finished, mut report) = prepare(opts)?;
    let start = Instant::now();
    let mut bytes = Vec::new();
    finished.write_to(&mut bytes).map_err(|e| Error::Structure(structure::StructureError::Save(e.to_string())))?;
    report.timings.write = start.elapsed();
    report.bytes = bytes.len();
    Ok((bytes, report))
}

/// `kaart build`: compiles and writes the PDF atomically, streaming it into the file (the
/// layout is dropped first: only the finished objects stay in memory).
pub fn build(opts: &BuildOptions) -> Result<BuildReport, Error> {
    let (finished, mut report) = prepare(opts)?;
    let start = Instant::now();
    write::write_atomic_with(&opts.output, |w| finished.write_to(w)).map_err(Error::Write)?;
    report.timings.write = start.elapsed();
    report.bytes = std::fs::metadata(&opts.output).map_or(0, |m| m.len() as usize);
    Ok(report)
}

/// The template `kaart new` writes: every field, each explained in a Dutch comment.
pub const TEMPLATE: &str = include_str!("template.yaml");

/// Why `kaart new` refused.
#[derive(Debug)]
pub enum NewError {
    InvalidId(String),
    Exists(PathBuf),
    Io(PathBuf, std::io::Error),
}

impl std::fmt::Display for NewError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NewError::InvalidId(id) if validate::is_valid_id(id) => write!(
                f,
                "\"{id}\" is gereserveerd voor de navigatie van de kaart ({} en ids die beginnen met {}); kies een andere id",
                validate::RESERVED_IDS.join(", "),
                validate::RESERVED_PREFIXES.join(", ")
            ),
            NewError::InvalidId(id) => write!(
                f,
                "\"{id}\" is geen geldige id: gebruik kleine letters, cijfers en streepjes (niet alleen cijfers), bijvoorbeeld \"cova-plus\""
            ),
            NewError::Exists(p) => write!(f, "{} bestaat al; kies een andere id of bewerk dat bestand", p.display()),
            NewError::Io(p, e) => write!(f, "kan {} niet schrijven: {e}", p.display()),
        }
    }
}

impl std::error::Error for NewError {}

/// `kaart new <id>`: writes `interventies/<id>.yaml` from the template; never overwrites.
pub fn new_intervention(data: &Path, id: &str) -> Result<PathBuf, NewError> {
    if !validate::is_valid_id(id)
        || validate::RESERVED_IDS.contains(&id)
        || validate::RESERVED_PREFIXES.iter().any(|p| id.starts_with(p))
    {
        return Err(NewError::InvalidId(id.to_string()));
    }
    let dir = data.join("interventies");
    std::fs::create_dir_all(&dir).map_err(|e| NewError::Io(dir.clone(), e))?;
    let path = dir.join(format!("{id}.yaml"));
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            NewError::Exists(path.clone())
        } else {
            NewError::Io(path.clone(), e)
        }
    })?;
    use std::io::Write;
    f.write_all(template_for(data).as_bytes()).map_err(|e| NewError::Io(path.clone(), e))?;
    Ok(path)
}

/// The template with the ids this kaart allows filled into its comments.
fn template_for(data: &Path) -> String {
    let kaart: Option<serde_yaml::Value> = std::fs::read_to_string(data.join("kaart.yaml"))
        .ok()
        .filter(|t| t.len() < load::MAX_FILE_BYTES as usize)
        .and_then(|t| serde_yaml::from_str(&t).ok());
    let ids = |key: &str| -> String {
        let list: Vec<String> = kaart
            .as_ref()
            .and_then(|k| k.get(key))
            .and_then(|v| v.as_sequence())
            .map(|s| s.iter().filter_map(|e| e.get("id").and_then(|i| i.as_str()).map(str::to_string)).collect())
            .unwrap_or_default();
        if list.is_empty() { "zie kaart.yaml".to_string() } else { list.join(", ") }
    };
    TEMPLATE
        .replace("{domeinen}", &ids("domeinen"))
        .replace("{doelgroepen}", &ids("doelgroepen"))
        .replace("{financiering}", &ids("financiering"))
}

/// With `KAART_TIMINGS` set, the time since the first mark, the resident memory and `what` (a
/// developer's aid, on stderr): where inside the stages the wall time and the memory go.
pub(crate) fn mark(what: &str) {
    static T0: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    if std::env::var_os("KAART_TIMINGS").is_some() {
        let t0 = T0.get_or_init(Instant::now);
        // Resident memory now, from the second field of statm (pages of 4 KiB).
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
        let rss = statm.split_whitespace().nth(1).and_then(|p| p.parse::<u64>().ok()).unwrap_or(0) * 4 / 1024;
        eprintln!("  {:>8.1} ms {rss:>6} MiB {what}", t0.elapsed().as_secs_f64() * 1e3);
    }
}
