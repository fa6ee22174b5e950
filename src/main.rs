//! The `kaart` command: parses arguments, runs one library call, prints the outcome in Dutch and
//! picks the exit code (0 success, 1 invalid data, 2 usage or other failure). Nothing else.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use kaart::{BuildOptions, Diagnostic, Error, Paper};

// A build allocates and frees millions of small objects (drawing operations, PDF objects):
// mimalloc does that markedly faster than the system allocator (see the benchmark issue).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "kaart",
    version,
    about = "Maakt van een map met YAML-interventies de interactieve PDF-interventiekaart"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Controleert de data en schrijft de PDF (alleen als alles klopt)
    Build {
        /// Map met kaart.yaml en interventies/
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Het PDF-bestand dat wordt geschreven
        #[arg(short, long, default_value = "interventiekaart.pdf")]
        output: PathBuf,
        /// Papierformaat
        #[arg(long, value_enum, default_value_t = PaperArg::A4Landscape)]
        paper: PaperArg,
        /// Waarschuwingen tellen als fouten
        #[arg(long)]
        strict: bool,
        /// Zonder tags (toegankelijkheidsstructuur); alleen om de kosten ervan te meten
        #[arg(long, hide = true)]
        untagged: bool,
    },
    /// Controleert de data zonder iets te schrijven
    Check {
        /// Map met kaart.yaml en interventies/
        #[arg(long, default_value = "data")]
        data: PathBuf,
        /// Waarschuwingen tellen als fouten
        #[arg(long)]
        strict: bool,
    },
    /// Maakt interventies/<ID>.yaml aan met alle velden en uitleg
    New {
        /// De id van de nieuwe interventie: kleine letters, cijfers en streepjes
        id: String,
        /// Map met kaart.yaml en interventies/
        #[arg(long, default_value = "data")]
        data: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum PaperArg {
    A4Landscape,
    A4Portrait,
}

fn source_date_epoch() -> Option<i64> {
    std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.trim().parse().ok())
}

/// Prints the diagnostics and their count to stderr, buffered: a large kaart can have thousands
/// of warnings, and unbuffered that was a write per line. A closed stderr is not an error here.
fn print_diagnostics(diags: &[Diagnostic], writes: bool) {
    use std::io::Write;
    let mut err = std::io::BufWriter::new(std::io::stderr().lock());
    for d in diags {
        let _ = writeln!(err, "{d}");
    }
    let errors = diags.iter().filter(|d| d.is_error()).count();
    let warnings = diags.len() - errors;
    let _ = if errors > 0 && writes {
        writeln!(err, "{errors} fout(en), {warnings} waarschuwing(en): er is niets geschreven.")
    } else if errors > 0 {
        writeln!(err, "{errors} fout(en), {warnings} waarschuwing(en).")
    } else if warnings > 0 {
        writeln!(err, "{warnings} waarschuwing(en).")
    } else {
        Ok(())
    };
    let _ = err.flush();
}

fn fail(e: Error, writes: bool) -> ExitCode {
    match e {
        Error::Invalid(diags) => {
            print_diagnostics(&diags, writes);
            ExitCode::from(1)
        }
        other => {
            eprintln!("fout: {:#}", anyhow::Error::from(other));
            ExitCode::from(2)
        }
    }
}

/// "1,2 MB" / "830 kB", the Dutch way.
fn size(bytes: usize) -> String {
    if bytes >= 1_000_000 {
        format!("{:.1} MB", bytes as f64 / 1e6).replace('.', ",")
    } else {
        format!("{} kB", bytes.div_ceil(1000))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Build { data, output, paper, strict, untagged } => {
            let paper = match paper {
                PaperArg::A4Landscape => Paper::A4Landscape,
                PaperArg::A4Portrait => Paper::A4Portrait,
            };
            let opts = BuildOptions { data, output, paper, strict, source_date_epoch: source_date_epoch(), untagged };
            match kaart::build(&opts) {
                Ok(r) => {
                    print_diagnostics(&r.warnings, true);
                    if std::env::var_os("KAART_TIMINGS").is_some() {
                        eprintln!("{:?}", r.timings);
                    }
                    let secs = format!("{:.2}", r.timings.total().as_secs_f64()).replace('.', ",");
                    println!(
                        "{}: {} pagina's, {} interventies, {}, {secs} s",
                        opts.output.display(),
                        r.pages,
                        r.interventions,
                        size(r.bytes)
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e, true),
            }
        }
        Command::Check { data, strict } => match kaart::check(&data, strict, source_date_epoch()) {
            Ok((cat, warnings, _)) => {
                print_diagnostics(&warnings, false);
                println!("{}: {} interventies, geen fouten.", data.display(), cat.interventions.len());
                ExitCode::SUCCESS
            }
            Err(e) => fail(e, false),
        },
        Command::New { id, data } => match kaart::new_intervention(&data, &id) {
            Ok(path) => {
                println!("{} aangemaakt. Vul de velden in en controleer met: kaart check", path.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("fout: {e}");
                ExitCode::from(1)
            }
        },
    }
}
