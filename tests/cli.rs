//! The `kaart` command as an editor meets it: exit codes (0 success, 1 invalid data, 2 usage),
//! `--help` and `--version`, `kaart new`, `--strict`, and a failed build that leaves the last
//! good PDF untouched and no temporary file behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{copy_dir, root, stderr, temp_dir};

fn kaart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaart"))
        .args(args)
        .current_dir(root())
        .env_remove("SOURCE_DATE_EPOCH")
        .output()
        .expect("run kaart")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn minimal_copy(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    copy_dir(&root().join("tests/fixtures/valid/minimal"), &dir.join("data"));
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn check_exits_0_on_valid_data_and_1_on_invalid_data() {
    let ok = kaart(&["check", "--data", "tests/fixtures/valid/minimal"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert_eq!(stdout(&ok), "tests/fixtures/valid/minimal: 3 interventies, geen fouten.\n");
    assert_eq!(stderr(&ok), "", "the minimal kaart has no warnings");

    let bad = kaart(&["check", "--data", "tests/fixtures/invalid/unknown-domein"]);
    assert_eq!(bad.status.code(), Some(1), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("onbekend domein \"schuldn\""), "{}", stderr(&bad));

    let nowhere = kaart(&["check", "--data", "tests/fixtures/bestaat-niet"]);
    assert_eq!(nowhere.status.code(), Some(1));
    assert!(stderr(&nowhere).starts_with("tests/fixtures/bestaat-niet: fout: de datamap bestaat niet"));
}

#[test]
fn usage_errors_exit_2() {
    for args in [&["check", "--dat", "x"][..], &["bouw"][..], &[][..], &["new"][..], &["build", "--paper", "a3"][..]] {
        let o = kaart(args);
        assert_eq!(o.status.code(), Some(2), "kaart {args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty(), "kaart {args:?} explains itself");
    }
}

#[test]
fn help_and_version() {
    let h = kaart(&["--help"]);
    assert_eq!(h.status.code(), Some(0));
    for word in ["build", "check", "new", "interventiekaart"] {
        assert!(stdout(&h).contains(word), "--help lacks {word}:\n{}", stdout(&h));
    }
    for cmd in ["build", "check", "new"] {
        let o = kaart(&[cmd, "--help"]);
        assert_eq!(o.status.code(), Some(0), "{cmd} --help");
        assert!(stdout(&o).contains("--data"), "{cmd} --help:\n{}", stdout(&o));
    }
    let v = kaart(&["--version"]);
    assert_eq!(v.status.code(), Some(0));
    assert_eq!(stdout(&v), format!("kaart {}\n", env!("CARGO_PKG_VERSION")));
}

#[test]
fn new_writes_the_template_and_never_overwrites() {
    let dir = minimal_copy("new");
    let data = dir.join("data");
    let o = kaart(&["new", "huurschuldpreventie", "--data", s(&data)]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let path = data.join("interventies/huurschuldpreventie.yaml");
    let written = fs::read_to_string(&path).unwrap();
    assert!(written.contains("# Kies uit: schulden, wonen\ndomeinen: []"), "{written}");
    assert!(written.contains("# Kies uit: volwassenen, jongvolwassenen"), "{written}");
    assert!(written.contains("# Kies uit: gemeente, wmo"), "{written}");
    for key in ["naam:", "samenvatting:", "beschrijving:", "aanmelding:", "verwant:", "bronnen:", "bijgewerkt:"] {
        assert!(written.contains(&format!("\n{key}")), "template lacks {key}");
    }

    // The empty template is readable YAML: check names what to fill in, not syntax errors.
    let c = kaart(&["check", "--data", s(&data)]);
    assert_eq!(c.status.code(), Some(1));
    let err = stderr(&c);
    assert!(err.contains("huurschuldpreventie.yaml:9:1: fout: verplicht veld \"naam\" is leeg"), "{err}");
    assert!(err.contains("verplicht veld \"beschrijving\" is leeg"), "{err}");
    assert!(!err.contains("YAML") && !err.contains("inspringing"), "{err}");

    // A second time: refused, exit 1, the editor's work untouched.
    fs::write(&path, "naam: Mijn werk\n").unwrap();
    let again = kaart(&["new", "huurschuldpreventie", "--data", s(&data)]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("bestaat al"), "{}", stderr(&again));
    assert_eq!(fs::read_to_string(&path).unwrap(), "naam: Mijn werk\n");

    for bad in ["Huurschuld", "huur schuld", "112", "start", "domein-wonen", "x-", "../buiten"] {
        let o = kaart(&["new", bad, "--data", s(&data)]);
        assert_eq!(o.status.code(), Some(1), "new {bad}");
        let why = if ["start", "domein-wonen"].contains(&bad) { "is gereserveerd" } else { "is geen geldige id" };
        assert!(stderr(&o).contains(why), "new {bad}: {}", stderr(&o));
    }
    let files = fs::read_dir(data.join("interventies")).unwrap().count();
    assert_eq!(files, 4, "refused ids wrote nothing");
    assert!(!dir.join("buiten.yaml").exists());
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn strict_turns_warnings_into_errors() {
    let dir = minimal_copy("strict");
    let data = dir.join("data");
    let p = data.join("interventies/woonbegeleiding.yaml");
    let text = fs::read_to_string(&p).unwrap();
    fs::write(&p, text.replace("bronnen:\n  - https://www.woonzorg.example/ambulant\n", "")).unwrap();

    let lenient = kaart(&["check", "--data", s(&data)]);
    assert_eq!(lenient.status.code(), Some(0), "{}", stderr(&lenient));
    let err = stderr(&lenient);
    assert!(err.contains("woonbegeleiding.yaml:16:1: waarschuwing: \"bronnen\" ontbreekt"), "{err}");
    assert!(err.ends_with("1 waarschuwing(en).\n"), "{err}");

    let strict = kaart(&["check", "--strict", "--data", s(&data)]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(stderr(&strict).contains("woonbegeleiding.yaml:16:1: fout: \"bronnen\" ontbreekt"), "{}", stderr(&strict));
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_old_pdf_survives_a_failed_build() {
    let dir = minimal_copy("survive");
    let data = dir.join("data");
    let out_dir = dir.join("uit");
    fs::create_dir_all(&out_dir).unwrap();
    let pdf = out_dir.join("kaart.pdf");

    let first = kaart(&["build", "--data", s(&data), "-o", s(&pdf)]);
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    let good = fs::read(&pdf).unwrap();
    assert!(good.starts_with(b"%PDF-"), "a PDF was written");

    // Break the data: the build fails with exit 1 and names the problem.
    let p = data.join("interventies/budgetcoaching.yaml");
    fs::write(
        &p,
        fs::read_to_string(&p).unwrap().replace("doelgroepen: [jongvolwassenen]", "doelgroepen: [jongvolwassenen"),
    )
    .unwrap();
    let second = kaart(&["build", "--data", s(&data), "-o", s(&pdf)]);
    assert_eq!(second.status.code(), Some(1), "{}", stderr(&second));
    assert!(
        stderr(&second).contains("budgetcoaching.yaml:4:14: fout: haakje [ wordt niet gesloten"),
        "{}",
        stderr(&second)
    );

    assert_eq!(fs::read(&pdf).unwrap(), good, "the last good PDF is untouched");
    let left: Vec<String> =
        fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(left, ["kaart.pdf"], "no temporary file remains");
    fs::remove_dir_all(dir).unwrap();
}
