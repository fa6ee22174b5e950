//! The editors' side of `kaart check`: every broken kaart in `tests/fixtures/invalid/` is
//! rejected with exit 1, the file and line of its defect and the exact Dutch message in its
//! `expected.stderr` (`KAART_BLESS=1 cargo test --test diagnostics` rewrites them). Inputs too
//! big or too odd to commit (a 100 MB file, a symlink loop) are made at run time.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{copy_dir, root, stderr, temp_dir};
use std::time::{Duration, Instant};

/// Generous: the acceptance bar is 10 s per kaart on a slow machine, debug build included.
const TIME_LIMIT: Duration = Duration::from_secs(10);

/// Cases whose defect is a missing file or a folder: there is no line to point at.
const NO_LINE: &[&str] = &["directory-named-yaml", "empty-interventies", "filename-yml", "links", "missing-kaart-yaml"];

/// Runs `kaart args…` in the package root, so paths in messages are relative and stable.
fn kaart(args: &[&str]) -> (Output, Duration) {
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_kaart"))
        .args(args)
        .current_dir(root())
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run kaart");
    (out, start.elapsed())
}

/// A copy of the valid minimal kaart in a temp folder.
fn minimal_copy(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    copy_dir(&root().join("tests/fixtures/valid/minimal"), &dir);
    dir
}

/// The first line that reports an error, e.g. `…/x.yaml:4:14: fout: haakje [ …`.
fn first_error(stderr: &str) -> Option<&str> {
    stderr.lines().find(|l| l.contains(": fout: "))
}

/// `(path, line, col)` of a diagnostic's first line, if it has a line number.
fn location(line: &str) -> Option<(&str, u32, u32)> {
    let head = line.split(": fout: ").next()?;
    let mut parts = head.rsplitn(3, ':');
    let col = parts.next()?.parse().ok()?;
    let line_no = parts.next()?.parse().ok()?;
    Some((parts.next()?, line_no, col))
}

/// Checks what every rejected kaart must show, whatever its defect.
fn assert_rejected(name: &str, out: &Output, took: Duration) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(1), "{name}: exit code, stderr:\n{err}");
    assert!(!err.contains("panicked"), "{name}: panic:\n{err}");
    assert!(took < TIME_LIMIT, "{name}: took {took:?}");
    assert!(out.stdout.is_empty(), "{name}: stdout should be empty: {}", String::from_utf8_lossy(&out.stdout));
    let first = first_error(&err).unwrap_or_else(|| panic!("{name}: no error line in:\n{err}"));
    assert!(
        err.lines().last().is_some_and(|l| l.contains("fout(en)")),
        "{name}: the last line counts the errors:\n{err}"
    );
    if !NO_LINE.contains(&name) {
        let (path, line, col) = location(first).unwrap_or_else(|| panic!("{name}: no file:line:col in {first:?}"));
        assert!(path.ends_with(".yaml"), "{name}: {path} is not the file");
        assert!(line >= 1 && col >= 1, "{name}: {first}");
    }
}

#[test]
fn every_broken_kaart_is_rejected_with_its_expected_message() {
    let bless = std::env::var_os("KAART_BLESS").is_some_and(|v| v == "1");
    let dir = root().join("tests/fixtures/invalid");
    let mut cases: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| dir.join(n).is_dir())
        .collect();
    cases.sort();
    assert!(cases.len() >= 40, "the corpus shrank: {} cases", cases.len());
    let mut mismatches = Vec::new();
    for name in &cases {
        let data = format!("tests/fixtures/invalid/{name}");
        let (out, took) = kaart(&["check", "--data", &data]);
        assert_rejected(name, &out, took);
        let actual = stderr(&out);
        assert!(actual.starts_with(&format!("{data}/")), "{name}: the first line names a file of the case:\n{actual}");
        let expected_path = dir.join(name).join("expected.stderr");
        if bless {
            fs::write(&expected_path, &actual).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("{name}: expected.stderr missing; run with KAART_BLESS=1"));
        if expected != actual {
            mismatches.push(format!("--- {name}: expected\n{expected}+++ {name}: actual\n{actual}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} case(s) differ (KAART_BLESS=1 rewrites them after checking):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// The corpus shows the line a defect is on, not just some line: a few spot checks.
#[test]
fn the_defect_line_is_the_one_reported() {
    for (case, file, line) in [
        ("yaml-unclosed-bracket", "budgetcoaching.yaml", 4),
        ("yaml-unclosed-quote", "woonbegeleiding.yaml", 1),
        ("unknown-domein", "woonbegeleiding.yaml", 3),
        ("date-impossible-day", "budgetcoaching.yaml", 22),
        ("colour-unquoted", "kaart.yaml", 14),
        ("missing-required-key", "budgetcoaching.yaml", 4),
        ("not-utf8", "budgetcoaching.yaml", 6),
        ("font-missing-glyph", "budgetcoaching.yaml", 2),
    ] {
        let (out, _) = kaart(&["check", "--data", &format!("tests/fixtures/invalid/{case}")]);
        let err = stderr(&out);
        let (path, l, _) = location(first_error(&err).unwrap()).unwrap();
        assert!(path.ends_with(file) && l == line, "{case}: got {path}:{l}, want {file}:{line}\n{err}");
    }
}

#[test]
fn utf8_bom_and_windows_line_ends_are_accepted() {
    let dir = minimal_copy("bom");
    for f in ["kaart.yaml", "interventies/budgetcoaching.yaml"] {
        let p = dir.join(f);
        let text = fs::read_to_string(&p).unwrap().replace('\n', "\r\n");
        fs::write(&p, [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()).unwrap();
    }
    let (out, _) = kaart(&["check", "--data", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("3 interventies, geen fouten"));
    fs::remove_dir_all(dir).unwrap();
}

/// Runs check on `dir` and returns stderr after the common assertions.
fn rejected(name: &str, dir: &Path) -> String {
    let (out, took) = kaart(&["check", "--data", dir.to_str().unwrap()]);
    assert_rejected(name, &out, took);
    stderr(&out)
}

#[test]
fn a_file_over_the_size_limit_is_refused_without_reading_it() {
    let dir = minimal_copy("big");
    // 2 MiB of plausible text, and a sparse 100 MB file that would take a while to parse.
    let line = "beschrijving: Een heel lange tekst die steeds weer terugkomt en nergens over gaat.\n";
    fs::write(dir.join("interventies/groot.yaml"), line.repeat(2 * 1024 * 1024 / line.len() + 1)).unwrap();
    let f = fs::File::create(dir.join("interventies/enorm.yaml")).unwrap();
    f.set_len(100_000_000).unwrap();
    drop(f);
    let err = rejected("big", &dir);
    assert!(err.contains("enorm.yaml:1:1: fout: bestand is te groot: 100000000 bytes (hoogstens 1048576)"), "{err}");
    assert!(err.contains("groot.yaml:1:1: fout: bestand is te groot"), "{err}");
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_field_over_the_length_limit_is_refused() {
    let dir = minimal_copy("long-field");
    let p = dir.join("interventies/woonbegeleiding.yaml");
    let text = fs::read_to_string(&p).unwrap();
    let long = format!("beschrijving: |\n  {}\n", "Woonbegeleiding helpt. ".repeat(1000));
    let start = text.find("beschrijving:").unwrap();
    let end = text.find("aanmelding:").unwrap();
    fs::write(&p, format!("{}{long}{}", &text[..start], &text[end..])).unwrap();
    let err = rejected("long-field", &dir);
    assert!(err.contains("woonbegeleiding.yaml:5:1: fout: veld \"beschrijving\" is te lang: 23001 tekens"), "{err}");
    fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_devices_are_refused() {
    use std::os::unix::fs::symlink;
    let dir = minimal_copy("links");
    symlink("lus.yaml", dir.join("interventies/lus.yaml")).unwrap();
    symlink("b.yaml", dir.join("interventies/a.yaml")).unwrap();
    symlink("a.yaml", dir.join("interventies/b.yaml")).unwrap();
    symlink("/dev/zero", dir.join("interventies/nullen.yaml")).unwrap();
    symlink("weg.yaml", dir.join("interventies/kwijt.yaml")).unwrap();
    let err = rejected("links", &dir);
    for want in [
        "interventies/lus.yaml: fout: kan het bestand niet lezen: te veel symbolische links (een lus?)",
        "interventies/a.yaml: fout: kan het bestand niet lezen: te veel symbolische links (een lus?)",
        "interventies/nullen.yaml: fout: dit is geen gewoon bestand",
        "interventies/kwijt.yaml: fout: bestand ontbreekt",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn alias_bombs_and_deep_nesting_stop_quickly() {
    let dir = minimal_copy("bombs");
    // Twelve levels of nine: 9^12 (about 2.8e11) strings if expanded.
    let mut bomb =
        String::from("naam: Lachen\na: &a [\"ha\",\"ha\",\"ha\",\"ha\",\"ha\",\"ha\",\"ha\",\"ha\",\"ha\"]\n");
    let names: Vec<String> = (1..=12).map(|i| format!("n{i}")).collect();
    let mut prev = "a".to_string();
    for n in &names {
        bomb.push_str(&format!("{n}: &{n} [{}]\n", vec![format!("*{prev}"); 9].join(",")));
        prev = n.clone();
    }
    fs::write(dir.join("interventies/bom.yaml"), bomb).unwrap();
    fs::write(dir.join("interventies/haken.yaml"), format!("naam: {}", "[".repeat(1_000_000))).unwrap();
    fs::write(dir.join("interventies/accolades.yaml"), format!("naam: {}", "{a: ".repeat(100_000))).unwrap();
    let nested: String = (0..400).map(|i| format!("{}- \n", " ".repeat(i))).collect();
    fs::write(dir.join("interventies/streepjes.yaml"), format!("naam:\n{nested}")).unwrap();
    let err = rejected("bombs", &dir);
    assert!(err.contains("bom.yaml:3:10: fout: te veel herhaling via ankers (&) en verwijzingen (*)"), "{err}");
    for f in ["haken.yaml", "accolades.yaml", "streepjes.yaml"] {
        assert!(err.contains(&format!("{f}:")) && err.contains("te diep genest"), "{f}:\n{err}");
    }
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn one_run_reports_every_problem_sorted_by_file_and_line() {
    let dir = minimal_copy("many");
    let p = dir.join("interventies/budgetcoaching-plus.yaml");
    let text = fs::read_to_string(dir.join("interventies/budgetcoaching.yaml")).unwrap();
    let text = text
        .replace("naam: Budgetcoaching", "naam: Budgetcoaching Plus")
        .replace("samenvatting:", "samenvating:")
        .replace("domeinen: [schulden]", "domeinen: [schulden, werk]")
        .replace("bijgewerkt: 2026-04-01", "bijgewerkt: 31-04-2026");
    fs::write(&p, text).unwrap();
    fs::write(
        dir.join("kaart.yaml"),
        fs::read_to_string(dir.join("kaart.yaml")).unwrap().replace("\"#C25B12\"", "\"#C25B1\""),
    )
    .unwrap();
    let err = rejected("many", &dir);
    let errors: Vec<(String, u32)> = err
        .lines()
        .filter_map(|l| location(l).map(|(p, l, _)| (p.rsplit('/').next().unwrap().to_string(), l)))
        .collect();
    assert_eq!(
        errors,
        [
            ("budgetcoaching-plus.yaml".to_string(), 2),
            ("budgetcoaching-plus.yaml".to_string(), 3),
            ("budgetcoaching-plus.yaml".to_string(), 22),
            ("kaart.yaml".to_string(), 14),
        ],
        "{err}"
    );
    assert!(err.contains("tip: bedoelde u \"samenvatting\"?"), "{err}");
    assert!(err.contains("onbekend domein \"werk\""), "{err}");
    assert!(err.contains("tip: die dag bestaat niet: april 2026 heeft 30 dagen"), "{err}");
    assert!(err.contains("4 fout(en), 2 waarschuwing(en)"), "{err}");
    fs::remove_dir_all(dir).unwrap();
}
