//! Times every stage of kaart on synthetic kaarts of N interventions and prints medians.
//!
//!     cargo run --release --example bench -- [N ...] [--runs R] [--seed S] [--dir DIR]
//!         [--check-only | --untagged]
//!
//! Defaults: N = 100 1000 10000, R = 5, the kaarts cached under `$TMPDIR/kaart-bench` (made by
//! the same generator as `examples/gen.rs`, regenerated when it changes). Each N runs in a fresh
//! child process of this binary, so the peak memory (`VmHWM`) belongs to that N alone. A child
//! does one uncounted warm-up build (reported as "1st": what a user's single `kaart build` pays,
//! font parsing included), then R timed builds through the public stage functions, and R timed
//! `kaart check` passes (load + validate, as `kaart::check`); `--check-only` skips the builds.
//! `--untagged` builds without marked content and structure tree, to see what tagging costs.
//! A child that fails (say, out of memory under `ulimit -v`) is reported and the others go on.

#[path = "support/synth.rs"]
mod synth;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use kaart::layout::{LayoutOptions, Paper};
use kaart::load::LoadOptions;
use kaart::validate::ValidateOptions;

// The same allocator as the `kaart` binary, so the stages are timed as a build runs them.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const CHILD: &str = "--bench-child";
const USAGE: &str = "usage: bench [N ...] [--runs R] [--seed S] [--dir DIR] [--check-only | --untagged]";
const STAGES: [&str; 6] = ["load", "validate", "layout", "render", "structure", "write"];

/// Medians of one N, as a child reports them.
#[derive(Debug, Default, Clone)]
struct Report {
    n: usize,
    runs: usize,
    /// Median seconds per stage, in `STAGES` order.
    stages: [f64; 6],
    total: f64,
    total_min: f64,
    total_max: f64,
    first: f64,
    check: f64,
    pages: usize,
    bytes: usize,
    /// Peak RSS of the whole process, and the peak reached during each stage (KiB).
    peak_kib: u64,
    /// The peak of the first build alone, in a fresh process: what one `kaart build` reaches.
    /// Later builds start with what the allocator kept of the earlier ones.
    first_peak_kib: u64,
    stage_peaks: [u64; 6],
    identical: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(CHILD) {
        return child(&args[1..]);
    }
    let mut ns = Vec::new();
    let mut runs = 5usize;
    let mut seed = 20_250_101u64;
    let mut dir = std::env::temp_dir().join("kaart-bench");
    let mut check_only = false;
    let mut untagged = false;
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        let mut value = |what: &str| it.next().ok_or_else(|| format!("{what} needs a value"));
        let parsed = match a.as_str() {
            "--runs" => value("--runs").and_then(|v| v.parse().map_err(|e| format!("--runs: {e}"))).map(|v| runs = v),
            "--seed" => value("--seed").and_then(|v| v.parse().map_err(|e| format!("--seed: {e}"))).map(|v| seed = v),
            "--dir" => value("--dir").map(|v| dir = PathBuf::from(v)),
            "--check-only" => {
                check_only = true;
                Ok(())
            }
            "--untagged" => {
                untagged = true;
                Ok(())
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            n => n.replace(['_', ','], "").parse().map_err(|_| format!("not a number: {n}")).map(|n| ns.push(n)),
        };
        if let Err(e) = parsed {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    }
    if ns.is_empty() {
        ns = vec![100, 1000, 10_000];
    }
    if runs == 0 {
        eprintln!("--runs must be at least 1");
        return ExitCode::from(2);
    }

    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("cannot find my own executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut reports = Vec::new();
    let mut failed = Vec::new();
    for &n in &ns {
        let data = match prepare(&dir, n, seed) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("cannot generate the kaart for N = {n} in {}: {e}", dir.display());
                return ExitCode::FAILURE;
            }
        };
        eprintln!("N = {n}: {} runs on {} ...", runs, data.display());
        let out = Command::new(&exe)
            .arg(CHILD)
            .arg(&data)
            .arg(runs.to_string())
            .arg(n.to_string())
            .arg(if check_only {
                "check"
            } else if untagged {
                "untagged"
            } else {
                "build"
            })
            .stderr(Stdio::inherit())
            .output();
        let report = match out {
            Ok(o) if o.status.success() => parse_report(&String::from_utf8_lossy(&o.stdout)),
            Ok(o) => Err(format!("child failed ({})", o.status)),
            Err(e) => Err(format!("cannot start child: {e}")),
        };
        match report {
            Ok(r) => reports.push(r),
            Err(e) => {
                // Say so and go on: a larger N that runs out of memory still leaves the others.
                eprintln!("N = {n}: {e}");
                failed.push(format!("N = {n}: {e}"));
            }
        }
    }
    if untagged && !check_only {
        println!("\nUntagged builds (LayoutOptions::untagged): no marked content, no structure tree.");
    }
    print_table(&reports, check_only);
    for f in &failed {
        println!("FAILED {f}");
    }
    if failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The cached kaart for `n`, generated when missing or made by another version of the generator.
fn prepare(dir: &Path, n: usize, seed: u64) -> std::io::Result<PathBuf> {
    let data = dir.join(format!("n{n}-s{seed}"));
    let stamp = dir.join(format!("n{n}-s{seed}.stamp"));
    let want = format!("{:016x}\n", fnv1a(include_str!("support/synth.rs").as_bytes()));
    if std::fs::read_to_string(&stamp).ok().as_deref() == Some(want.as_str()) && data.join("kaart.yaml").is_file() {
        return Ok(data);
    }
    let start = Instant::now();
    let g = synth::generate(&data, n, seed)?;
    std::fs::write(&stamp, want)?;
    eprintln!("generated {} ({} files, {} bytes) in {:.2} s", data.display(), g.files, g.bytes, secs(start));
    Ok(data)
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

fn secs(start: Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 }
}

/// What one build measured.
struct Build {
    /// Seconds per stage, in `STAGES` order.
    secs: [f64; 6],
    /// Peak RSS (KiB) during each stage.
    peaks: [u64; 6],
    pages: usize,
    /// The output's size and a digest of its bytes: to check that every run writes the same
    /// file without holding a copy (at N = 10,000 that is 150 MB, which the peaks would count).
    bytes: (usize, u64),
}

/// One full build through the public stage functions.
fn build_once(data: &Path, out: &Path, untagged: bool) -> Result<Build, String> {
    let mut t = [0.0; 6];
    let mut mem = [0; 6];
    let mut stage = |i: usize, start: Instant| {
        t[i] = secs(start);
        mem[i] = peak_kib();
    };

    reset_peak();
    let start = Instant::now();
    let loaded = kaart::load::load(data, &LoadOptions { source_date_epoch: None });
    stage(0, start);

    reset_peak();
    let start = Instant::now();
    let fingerprint = loaded.fingerprint;
    let (cat, _warnings) = kaart::validate::validate(loaded, ValidateOptions { strict: false }).map_err(|d| {
        let errors: Vec<String> = d.iter().filter(|d| d.is_error()).take(5).map(|d| d.to_string()).collect();
        format!("the kaart does not validate:\n{}", errors.join("\n"))
    })?;
    stage(1, start);

    reset_peak();
    let start = Instant::now();
    // As `kaart build` does: the layout owns what it needs, and drops the catalogue.
    let mut lay =
        kaart::layout::layout(cat, &LayoutOptions { paper: Paper::A4Landscape, ident: fingerprint, untagged })
            .map_err(|e| e.to_string())?;
    stage(2, start);

    reset_peak();
    let start = Instant::now();
    let rendered = kaart::render::render(&mut lay).map_err(|e| e.to_string())?;
    stage(3, start);

    reset_peak();
    let start = Instant::now();
    let finished = kaart::structure::finish(rendered, &mut lay).map_err(|e| e.to_string())?;
    stage(4, start);

    // As `kaart build` does: the layout goes, and the file is written as it is serialised.
    let pages = lay.pages.len();
    drop(lay);
    reset_peak();
    let start = Instant::now();
    kaart::write::write_atomic_with(out, |w| finished.write_to(w)).map_err(|e| e.to_string())?;
    stage(5, start);
    let bytes = std::fs::read(out).map_err(|e| e.to_string())?;
    let digest = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        bytes.hash(&mut h);
        (bytes.len(), h.finish())
    };
    Ok(Build { secs: t, peaks: mem, pages, bytes: digest })
}

/// Returns freed heap to the OS and resets this process's `VmHWM` to its current RSS (Linux 4.0
/// or later, `clear_refs` value 5), so the next reading is the peak of what is live now plus what
/// runs in between. Without the trim, glibc keeps the previous run's heap resident.
fn reset_peak() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            // glibc: int malloc_trim(size_t pad); releases free heap memory, always safe to call.
            safe fn malloc_trim(pad: usize) -> i32;
        }
        malloc_trim(0);
    }
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// `VmHWM` (peak resident set) of this process, in KiB.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// The child: measures one N and prints one `RESULT` line on stdout.
fn child(args: &[String]) -> ExitCode {
    let (Some(data), Some(Ok(runs)), Some(Ok(n))) =
        (args.first(), args.get(1).map(|r| r.parse::<usize>()), args.get(2).map(|n| n.parse::<usize>()))
    else {
        eprintln!("bad child arguments");
        return ExitCode::from(2);
    };
    let mode = args.get(3).map(String::as_str).unwrap_or("build");
    let (build, untagged) = (mode != "check", mode == "untagged");
    let data = PathBuf::from(data);
    let out = data.with_extension("pdf");
    match measure(&data, &out, n, runs, build, untagged) {
        Ok(r) => {
            let stages: Vec<String> = r.stages.iter().map(|s| format!("{s:.6}")).collect();
            let peaks: Vec<String> = r.stage_peaks.iter().map(u64::to_string).collect();
            println!(
                "RESULT n={} runs={} stages={} total={:.6} total_min={:.6} total_max={:.6} first={:.6} check={:.6} pages={} bytes={} peak_kib={} first_peak_kib={} stage_peaks={} identical={}",
                r.n,
                r.runs,
                stages.join(","),
                r.total,
                r.total_min,
                r.total_max,
                r.first,
                r.check,
                r.pages,
                r.bytes,
                r.peak_kib,
                r.first_peak_kib,
                peaks.join(","),
                r.identical
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn measure(data: &Path, out: &Path, n: usize, runs: usize, build: bool, untagged: bool) -> Result<Report, String> {
    let (mut stage_peaks, mut reference, mut first, mut first_peak) = ([0; 6], (0, 0), 0.0, 0);
    if build {
        let start = Instant::now();
        let b = build_once(data, out, untagged)?;
        (stage_peaks, reference) = (b.peaks, b.bytes);
        first = secs(start);
        first_peak = b.peaks.iter().copied().max().unwrap_or(0);
    }

    let mut per_stage: Vec<Vec<f64>> = vec![vec![0.0]; STAGES.len()];
    let mut totals = vec![0.0];
    let mut pages = 0;
    let mut identical = build;
    if build {
        per_stage.iter_mut().for_each(Vec::clear);
        totals.clear();
    }
    for _ in 0..if build { runs } else { 0 } {
        let b = build_once(data, out, untagged)?;
        for (acc, v) in per_stage.iter_mut().zip(b.secs) {
            acc.push(v);
        }
        for (peak, m) in stage_peaks.iter_mut().zip(b.peaks) {
            *peak = (*peak).max(m);
        }
        totals.push(b.secs.iter().sum());
        pages = b.pages;
        identical &= b.bytes == reference;
    }
    let mut checks = Vec::new();
    let mut check_peak = 0;
    for _ in 0..runs {
        reset_peak();
        let start = Instant::now();
        let checked = kaart::check(data, false, None);
        checks.push(secs(start));
        check_peak = check_peak.max(peak_kib());
        checked.map_err(|e| format!("kaart check failed: {e}"))?;
    }
    let mut stages = [0.0; 6];
    for (s, v) in stages.iter_mut().zip(&per_stage) {
        *s = median(v);
    }
    Ok(Report {
        n,
        runs,
        stages,
        total: median(&totals),
        total_min: totals.iter().copied().fold(f64::INFINITY, f64::min),
        total_max: totals.iter().copied().fold(0.0, f64::max),
        first,
        check: median(&checks),
        pages,
        bytes: reference.0,
        peak_kib: stage_peaks.iter().copied().max().unwrap_or(0).max(check_peak).max(peak_kib()),
        first_peak_kib: first_peak,
        stage_peaks,
        identical,
    })
}

fn parse_report(stdout: &str) -> Result<Report, String> {
    let line = stdout.lines().find_map(|l| l.strip_prefix("RESULT ")).ok_or("the child printed no RESULT line")?;
    let mut r = Report::default();
    for kv in line.split(' ') {
        let (k, v) = kv.split_once('=').ok_or_else(|| format!("bad field {kv}"))?;
        let f = |v: &str| v.parse::<f64>().map_err(|e| format!("{k}: {e}"));
        let u = |v: &str| v.parse::<usize>().map_err(|e| format!("{k}: {e}"));
        match k {
            "n" => r.n = u(v)?,
            "runs" => r.runs = u(v)?,
            "stages" => {
                for (s, x) in r.stages.iter_mut().zip(v.split(',')) {
                    *s = f(x)?;
                }
            }
            "total" => r.total = f(v)?,
            "total_min" => r.total_min = f(v)?,
            "total_max" => r.total_max = f(v)?,
            "first" => r.first = f(v)?,
            "check" => r.check = f(v)?,
            "pages" => r.pages = u(v)?,
            "bytes" => r.bytes = u(v)?,
            "peak_kib" => r.peak_kib = u(v)? as u64,
            "first_peak_kib" => r.first_peak_kib = u(v)? as u64,
            "stage_peaks" => {
                for (s, x) in r.stage_peaks.iter_mut().zip(v.split(',')) {
                    *s = x.parse().map_err(|e| format!("{k}: {e}"))?;
                }
            }
            "identical" => r.identical = v == "true",
            _ => {}
        }
    }
    Ok(r)
}

fn ms(s: f64) -> String {
    format!("{:.1}", s * 1000.0)
}

fn print_table(reports: &[Report], check_only: bool) {
    if check_only {
        println!();
        println!("kaart check (load + validate), medians in ms; peak = VmHWM of a process that ran only this N.");
        println!();
        println!("| N | runs | check | peak MiB |");
        println!("|---|---|---|---|");
        for r in reports {
            println!("| {} | {} | {} | {:.0} |", r.n, r.runs, ms(r.check), r.peak_kib as f64 / 1024.0);
        }
        return;
    }
    println!();
    println!("Medians in ms over `runs` builds after one warm-up; 1st = the warm-up build (cold fonts);");
    println!("check = load + validate (kaart::check); peak = VmHWM of a process that ran only this N;");
    println!("1st peak = the peak of its first build (one `kaart build`); later builds start with what the");
    println!("allocator kept of the earlier ones.");
    println!();
    println!(
        "| N | runs | {} | total | min-max | 1st | check | pages | bytes | bytes/page | peak MiB | 1st peak MiB | same bytes |",
        STAGES.join(" | ")
    );
    println!("|{}", "---|".repeat(STAGES.len() + 12));
    for r in reports {
        let stages: Vec<String> = r.stages.iter().map(|s| ms(*s)).collect();
        println!(
            "| {} | {} | {} | {} | {}-{} | {} | {} | {} | {} | {} | {:.0} | {:.0} | {} |",
            r.n,
            r.runs,
            stages.join(" | "),
            ms(r.total),
            ms(r.total_min),
            ms(r.total_max),
            ms(r.first),
            ms(r.check),
            r.pages,
            r.bytes,
            r.bytes / r.pages.max(1),
            r.peak_kib as f64 / 1024.0,
            r.first_peak_kib as f64 / 1024.0,
            if r.identical { "yes" } else { "NO" }
        );
    }
    println!();
    println!("Peak RSS (MiB) reached during each stage (VmHWM reset before each stage):");
    println!();
    println!("| N | {} |", STAGES.join(" | "));
    println!("|{}", "---|".repeat(STAGES.len() + 1));
    for r in reports {
        let peaks: Vec<String> = r.stage_peaks.iter().map(|k| format!("{:.0}", *k as f64 / 1024.0)).collect();
        println!("| {} | {} |", r.n, peaks.join(" | "));
    }
    for w in reports.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        let ratios: Vec<String> = STAGES
            .iter()
            .zip(a.stages.iter().zip(&b.stages))
            .map(|(name, (x, y))| format!("{name} {:.1}", y / x))
            .collect();
        println!();
        println!(
            "t({})/t({}) = {:.2} for {:.0}x the interventions (check {:.2}; {})",
            b.n,
            a.n,
            b.total / a.total,
            b.n as f64 / a.n as f64,
            b.check / a.check,
            ratios.join(", ")
        );
    }
}
