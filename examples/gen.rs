//! Writes a synthetic kaart for benchmarks and tests: `kaart.yaml` (7 domains, 8 target groups,
//! 6 financing routes) and N interventions of Dutch text. Same N and seed, same bytes.
//!
//!     cargo run --release --example gen -- N OUTDIR [--seed S]
//!
//! Stale `*.yaml` files in `OUTDIR/interventies` are removed, so the folder holds exactly N.

#[path = "support/synth.rs"]
mod synth;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage: gen N OUTDIR [--seed S]";

fn main() -> ExitCode {
    let mut positional = Vec::new();
    let mut seed: u64 = 20_250_101;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => match args.next().and_then(|s| s.parse().ok()) {
                Some(s) => seed = s,
                None => {
                    eprintln!("--seed needs a number\n{USAGE}");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => positional.push(a),
        }
    }
    let [n, dir] = positional.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let Ok(n) = n.parse::<usize>() else {
        eprintln!("N must be a number\n{USAGE}");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    match synth::generate(&dir, n, seed) {
        Ok(g) => {
            println!(
                "{}: kaart.yaml + {n} interventies, {} files, {} bytes (seed {seed})",
                dir.display(),
                g.files,
                g.bytes
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot write {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::synth;

    /// A generated kaart passes `kaart check` without a single warning, and a second run with
    /// the same seed writes the same bytes.
    #[test]
    fn generated_kaart_is_clean_and_deterministic() {
        let base = std::env::temp_dir().join(format!("kaart-gen-test-{}", std::process::id()));
        let (a, b) = (base.join("a"), base.join("b"));
        synth::generate(&a, 60, 7).unwrap();
        synth::generate(&b, 60, 7).unwrap();
        let (cat, warnings, _) = kaart::check(&a, true, None).expect("generated kaart has errors");
        assert_eq!(cat.interventions.len(), 60);
        assert!(warnings.is_empty(), "{warnings:?}");
        for name in ["kaart.yaml", "interventies/int-00001.yaml", "interventies/int-00060.yaml"] {
            assert_eq!(std::fs::read(a.join(name)).unwrap(), std::fs::read(b.join(name)).unwrap(), "{name}");
        }
        std::fs::remove_dir_all(&base).unwrap();
    }
}
