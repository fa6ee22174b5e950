//! validate: loaded files -> a `Catalogue` that later stages can trust, or every problem found.
//! Checks what one file cannot know alone (ids, references, `verwant`), formats (URLs, e-mail,
//! phone, language), whether the font can show every character, and the warnings that keep a
//! kaart current. Never reads files and never fixes data.

use std::collections::{BTreeMap, BTreeSet};

use crate::diag::{Diagnostic, Severity};
use crate::fonts::Fonts;
use crate::load::{INTERVENTION_KEYS, Loaded, LoadedIntervention, Seg, Source, locate_diag, missing_diag};
use crate::model::*;

/// A kaart whose every reference resolves; interventions sorted by id.
#[derive(Debug, Clone)]
pub struct Catalogue {
    pub kaart: Kaart,
    pub interventions: Vec<Intervention>,
}

impl Catalogue {
    /// The intervention with this id (the list is sorted by id: a binary search, where a walk
    /// along ten thousand interventions for every `verwant` link took seconds).
    pub fn intervention(&self, id: &str) -> Option<&Intervention> {
        self.interventions.binary_search_by(|i| i.id.as_str().cmp(id)).ok().map(|k| &self.interventions[k])
    }
}

/// Named destinations the layout uses itself; an intervention may not take these ids.
pub const RESERVED_IDS: &[&str] = &["start", "a-z", "inleiding", "doelgroepen", "financiering"];
/// Prefixes of the layout's own named destinations.
pub const RESERVED_PREFIXES: &[&str] = &["domein-", "doelgroep-", "financiering-", "a-z-"];
/// An intervention checked longer ago than this before the kaart's `datum` gets a warning.
const STALE_DAYS: i64 = 366;

#[derive(Debug, Clone, Copy, Default)]
pub struct ValidateOptions {
    /// Treat warnings as errors.
    pub strict: bool,
}

/// The catalogue and its warnings, or all diagnostics (errors and warnings) when any is an error.
pub fn validate(loaded: Loaded, opts: ValidateOptions) -> Result<(Catalogue, Vec<Diagnostic>), Vec<Diagnostic>> {
    let mut diags = loaded.diagnostics;
    let fonts = Fonts::get();

    if let Some((kaart, src)) = &loaded.kaart {
        check_kaart(kaart, src, fonts, &mut diags);
    }

    let mut seen_ids = BTreeSet::new();
    // Files that could not be read still exist: a `verwant` to them is not dangling.
    let ids: BTreeSet<&str> = loaded
        .interventions
        .iter()
        .map(|l| l.intervention.id.as_str())
        .chain(loaded.unreadable.iter().map(String::as_str))
        .collect();
    // Whose `verwant` list is known; a broken one is not held against the others.
    let related_of: BTreeMap<&str, &Vec<String>> = loaded
        .interventions
        .iter()
        .filter(|l| !l.bad_keys.contains("verwant"))
        .map(|l| (l.intervention.id.as_str(), &l.intervention.related))
        .collect();
    for li in &loaded.interventions {
        let (it, src) = (&li.intervention, &*li.source);
        if !seen_ids.insert(it.id.as_str()) {
            diags.push(Diagnostic::error(&src.path, 1, 1, format!("id \"{}\" komt twee keer voor", it.id)));
        }
    }
    // Each intervention on its own, half of them on another core (the diagnostics are sorted
    // below, so their order here does not matter).
    let check = |part: &[LoadedIntervention]| {
        let mut diags = Vec::new();
        for li in part {
            let (it, src) = (&li.intervention, &*li.source);
            check_id(it, src, &mut diags);
            if let Some((kaart, _)) = &loaded.kaart {
                check_references(it, src, kaart, &mut diags);
                check_currency(li, kaart, &mut diags);
            }
            check_related(it, src, &ids, &related_of, &mut diags);
            check_formats(it, src, &mut diags);
            check_glyphs(&intervention_texts(it), src, fonts, &mut diags);
        }
        diags
    };
    let (first, second) = loaded.interventions.split_at(loaded.interventions.len() / 2);
    std::thread::scope(|scope| {
        let other = scope.spawn(|| check(second));
        diags.extend(check(first));
        diags.extend(other.join().expect("internal error: a validating thread panicked"));
    });

    // "No interventions" is only true when every intervention could be read in full.
    let complete = loaded.unreadable.is_empty()
        && !loaded.interventions.is_empty()
        && loaded.interventions.iter().all(|l| !l.bad_keys.contains("domeinen") && !l.bad_keys.contains("doelgroepen"));
    if let Some((kaart, src)) = &loaded.kaart
        && complete
    {
        check_unused(kaart, src, &loaded.interventions.iter().map(|l| &l.intervention).collect::<Vec<_>>(), &mut diags);
    }

    if opts.strict {
        for d in &mut diags {
            d.severity = Severity::Error;
        }
    }
    diags.sort();
    diags.dedup();
    if diags.iter().any(Diagnostic::is_error) || loaded.kaart.is_none() {
        return Err(diags);
    }
    let (kaart, _) = loaded.kaart.expect("checked above");
    let mut interventions: Vec<Intervention> = loaded.interventions.into_iter().map(|l| l.intervention).collect();
    interventions.sort_by(|a, b| a.id.cmp(&b.id));
    Ok((Catalogue { kaart, interventions }, diags))
}

fn key(k: &str) -> Vec<Seg> {
    vec![Seg::Key(k.to_string())]
}

/// Whether `id` is a valid id: lowercase letters, digits and single hyphens, not digits only.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 80
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--")
        && !id.bytes().all(|b| b.is_ascii_digit())
}

/// The id an editor probably meant: lowercase, accents and spaces turned into plain hyphens.
fn suggest_id(id: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::new();
    for c in id.nfd().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !unicode_normalization::char::is_combining_mark(c) && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    if out.bytes().all(|b| b.is_ascii_digit()) { format!("interventie-{out}") } else { out }
}

fn check_id(it: &Intervention, src: &Source, diags: &mut Vec<Diagnostic>) {
    let id = &it.id;
    if !is_valid_id(id) {
        let why = if id.bytes().all(|b| b.is_ascii_digit()) && !id.is_empty() {
            "bestaat alleen uit cijfers (een browser leest #nameddest=123 als paginanummer)"
        } else {
            "mag alleen kleine letters, cijfers en losse streepjes bevatten"
        };
        diags.push(
            Diagnostic::error(&src.path, 1, 1, format!("bestandsnaam \"{id}.yaml\" is geen geldige id: {why}"))
                .with_hint(format!("hernoem het bestand naar {}.yaml", suggest_id(id))),
        );
    } else if RESERVED_IDS.contains(&id.as_str()) || RESERVED_PREFIXES.iter().any(|p| id.starts_with(p)) {
        diags.push(
            Diagnostic::error(&src.path, 1, 1, format!("id \"{id}\" is gereserveerd voor de navigatie van de kaart"))
                .with_hint(format!(
                    "kies een andere bestandsnaam; niet toegestaan zijn {} en ids die beginnen met {}",
                    RESERVED_IDS.join(", "),
                    RESERVED_PREFIXES.join(", ")
                )),
        );
    }
}

fn check_kaart(kaart: &Kaart, src: &Source, fonts: &Fonts, diags: &mut Vec<Diagnostic>) {
    let lists: [(&str, Vec<&str>); 3] = [
        ("domeinen", kaart.domains.iter().map(|d| d.id.as_str()).collect()),
        ("doelgroepen", kaart.target_groups.iter().map(|d| d.id.as_str()).collect()),
        ("financiering", kaart.fundings.iter().map(|d| d.id.as_str()).collect()),
    ];
    for (list, ids) in &lists {
        if ids.is_empty() {
            diags.push(
                locate_diag(src, &key(list), None, format!("\"{list}\" is leeg"))
                    .with_hint("noem er minstens één, met id en naam"),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, id) in ids.iter().enumerate() {
            let path = vec![Seg::Key(list.to_string()), Seg::Index(i), Seg::Key("id".into())];
            if !is_valid_id(id) {
                diags.push(
                    locate_diag(src, &path, Some(id), format!("ongeldige id \"{id}\" in \"{list}\"")).with_hint(
                        format!("alleen kleine letters, cijfers en streepjes, bijvoorbeeld \"{}\"", suggest_id(id)),
                    ),
                );
            }
            if !seen.insert(*id) {
                diags.push(locate_diag(src, &path, Some(id), format!("id \"{id}\" staat twee keer in \"{list}\"")));
            }
        }
    }
    if let Some(mail) = &kaart.contact
        && !is_email(mail)
    {
        diags.push(
            locate_diag(src, &key("contact"), Some(mail), format!("ongeldig e-mailadres \"{mail}\""))
                .with_hint("schrijf een e-mailadres als naam@organisatie.nl"),
        );
    }
    if !is_language_tag(&kaart.lang) {
        diags.push(
            locate_diag(src, &key("taal"), Some(&kaart.lang), format!("ongeldige taalcode \"{}\"", kaart.lang))
                .with_hint("gebruik een taalcode als nl-NL, nl of en-GB"),
        );
    }
    let mut texts: Vec<(String, &str)> = vec![("titel".into(), kaart.title.as_str())];
    for (k, v) in [
        ("ondertitel", &kaart.subtitle),
        ("uitgever", &kaart.publisher),
        ("auteur", &kaart.author),
        ("versie", &kaart.version),
        ("inleiding", &kaart.intro),
        ("colofon", &kaart.colophon),
        ("contact", &kaart.contact),
    ] {
        if let Some(v) = v {
            texts.push((k.into(), v));
        }
    }
    for d in &kaart.domains {
        texts.push(("domeinen".into(), &d.name));
        texts.extend(d.description.as_deref().map(|t| ("domeinen".to_string(), t)));
    }
    for d in &kaart.target_groups {
        texts.push(("doelgroepen".into(), &d.name));
        texts.extend(d.description.as_deref().map(|t| ("doelgroepen".to_string(), t)));
    }
    for d in &kaart.fundings {
        texts.push(("financiering".into(), &d.name));
        texts.extend(d.note.as_deref().map(|t| ("financiering".to_string(), t)));
    }
    let texts: Vec<(&str, &str)> = texts.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    check_glyphs(&texts, src, fonts, diags);
}

fn check_references(it: &Intervention, src: &Source, kaart: &Kaart, diags: &mut Vec<Diagnostic>) {
    let lists: [(&str, &str, &Vec<String>, Vec<&str>); 3] = [
        ("domeinen", "onbekend domein", &it.domains, kaart.domains.iter().map(|d| d.id.as_str()).collect()),
        (
            "doelgroepen",
            "onbekende doelgroep",
            &it.target_groups,
            kaart.target_groups.iter().map(|d| d.id.as_str()).collect(),
        ),
        (
            "financiering",
            "onbekende financieringsroute",
            &it.fundings,
            kaart.fundings.iter().map(|d| d.id.as_str()).collect(),
        ),
    ];
    for (list, unknown, values, known) in lists {
        let what = unknown.rsplit(' ').next().unwrap_or(unknown);
        let mut seen = BTreeSet::new();
        for v in values {
            if !known.contains(&v.as_str()) {
                let hint = match crate::diag::nearest(v, known.iter().copied()) {
                    Some(c) => format!("bedoelde u \"{c}\"?"),
                    None => format!("kies een id uit \"{list}\" in kaart.yaml: {}", known.join(", ")),
                };
                diags.push(locate_diag(src, &key(list), Some(v), format!("{unknown} \"{v}\"")).with_hint(hint));
            } else if !seen.insert(v.as_str()) {
                diags.push(locate_diag(
                    src,
                    &key(list),
                    Some(v),
                    format!("{what} \"{v}\" staat twee keer in \"{list}\""),
                ));
            }
        }
    }
}

fn check_related(
    it: &Intervention,
    src: &Source,
    ids: &BTreeSet<&str>,
    related_of: &BTreeMap<&str, &Vec<String>>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut seen = BTreeSet::new();
    for r in &it.related {
        let at = |m: String| locate_diag(src, &key("verwant"), Some(r), m);
        if *r == it.id {
            diags.push(
                at(format!("\"verwant\" verwijst naar de interventie zelf (\"{r}\")"))
                    .with_hint("haal deze id weg uit verwant"),
            );
        } else if !ids.contains(r.as_str()) {
            let hint = match crate::diag::nearest(r, ids.iter().copied()) {
                Some(c) => format!("bedoelde u \"{c}\"?"),
                None => "gebruik de bestandsnaam (zonder .yaml) van een andere interventie".to_string(),
            };
            diags.push(at(format!("\"verwant\" verwijst naar onbekende interventie \"{r}\"")).with_hint(hint));
        } else if !seen.insert(r.as_str()) {
            diags.push(at(format!("\"{r}\" staat twee keer in \"verwant\"")));
        } else if related_of.get(r.as_str()).is_some_and(|back| !back.contains(&it.id)) {
            let mut d = at(format!("\"{r}\" noemt deze interventie niet terug onder \"verwant\""));
            d.severity = Severity::Warning;
            diags.push(d.with_hint(format!("voeg \"{}\" toe aan verwant in {r}.yaml, als dat klopt", it.id)));
        }
    }
}

fn check_formats(it: &Intervention, src: &Source, diags: &mut Vec<Diagnostic>) {
    for url in &it.sources {
        if let Err(why) = check_url(url, &["http", "https"]) {
            diags.push(
                locate_diag(src, &key("bronnen"), Some(url), format!("ongeldige bron \"{url}\": {why}"))
                    .with_hint("een bron is een webadres dat begint met https://"),
            );
        }
    }
    if let Some(c) = &it.contact {
        let path = |k: &str| vec![Seg::Key("contact".into()), Seg::Key(k.into())];
        if let Some(w) = &c.website
            && let Err(why) = check_url(w, &["http", "https"])
        {
            let hint = if !w.contains("://") && !w.contains(':') {
                format!("schrijf https://{w}")
            } else {
                "een website begint met https:// of http://".to_string()
            };
            diags.push(
                locate_diag(src, &path("website"), Some(w), format!("ongeldige website \"{w}\": {why}"))
                    .with_hint(hint),
            );
        }
        if let Some(m) = &c.email
            && !is_email(m)
        {
            diags.push(
                locate_diag(src, &path("email"), Some(m), format!("ongeldig e-mailadres \"{m}\""))
                    .with_hint("schrijf een e-mailadres als naam@organisatie.nl, zonder mailto:"),
            );
        }
        if let Some(t) = &c.phone
            && !is_phone(t)
        {
            diags.push(
                locate_diag(src, &path("telefoon"), Some(t), format!("ongeldig telefoonnummer \"{t}\"")).with_hint(
                    "alleen cijfers, spaties, streepjes en een + vooraan, zoals 030 123 45 67 of +31 30 123 45 67",
                ),
            );
        }
    }
    if let Some(AgeRange { min: Some(lo), max: Some(hi) }) = it.age
        && lo > hi
    {
        diags.push(
            locate_diag(
                src,
                &key("leeftijd"),
                None,
                format!("leeftijd loopt achteruit: min {lo} is groter dan max {hi}"),
            )
            .with_hint("verwissel min en max"),
        );
    }
}

fn check_currency(li: &LoadedIntervention, kaart: &Kaart, diags: &mut Vec<Diagnostic>) {
    let (it, src) = (&li.intervention, &*li.source);
    // A key with an error (or a misspelt one) was reported already; "missing" would be noise.
    let missing = |k: &str, msg: &str, hint: &str| -> Option<Diagnostic> {
        if li.bad_keys.contains(k) {
            return None;
        }
        let mut d = missing_diag(src, &[], INTERVENTION_KEYS, k, msg.to_string());
        d.severity = Severity::Warning;
        // Where it goes ("voeg … toe na …") helps; "vul … in" on an empty key says nothing new.
        d.hint = Some(match d.hint.take() {
            Some(h) if !h.starts_with("vul ") => format!("{hint}; {h}"),
            _ => hint.to_string(),
        });
        Some(d)
    };
    match it.updated {
        None => diags.extend(missing(
            "bijgewerkt",
            "\"bijgewerkt\" ontbreekt: lezers zien niet wanneer deze informatie is nagekeken",
            "noteer als bijgewerkt: JJJJ-MM-DD de datum waarop u de bronnen naliep",
        )),
        Some(d) if kaart.date.day_number() - d.day_number() > STALE_DAYS => {
            let mut w = locate_diag(
                src,
                &key("bijgewerkt"),
                Some(&d.to_string()),
                format!("laatst bijgewerkt op {d}, meer dan een jaar voor de kaartdatum {}", kaart.date),
            )
            .with_hint("controleer de gegevens bij de aanbieder en pas de datum aan");
            w.severity = Severity::Warning;
            diags.push(w);
        }
        Some(_) => {}
    }
    if it.referral.is_none() {
        diags.extend(missing(
            "aanmelding",
            "\"aanmelding\" ontbreekt: hoe meldt een professional aan?",
            "beschrijf wie kan aanmelden en hoe",
        ));
    }
    if it.sources.is_empty() {
        diags.extend(missing(
            "bronnen",
            "\"bronnen\" ontbreekt: waar komen de gegevens vandaan?",
            "noem de webpagina's van de aanbieder of de databank",
        ));
    }
}

fn check_unused(kaart: &Kaart, src: &Source, interventions: &[&Intervention], diags: &mut Vec<Diagnostic>) {
    let used_d: BTreeSet<&str> = interventions.iter().flat_map(|i| i.domains.iter().map(String::as_str)).collect();
    let used_g: BTreeSet<&str> =
        interventions.iter().flat_map(|i| i.target_groups.iter().map(String::as_str)).collect();
    for (list, what, ids, used) in [
        ("domeinen", "domein", kaart.domains.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(), &used_d),
        ("doelgroepen", "doelgroep", kaart.target_groups.iter().map(|d| d.id.as_str()).collect(), &used_g),
    ] {
        for (i, id) in ids.iter().enumerate() {
            if !used.contains(id) {
                let path = vec![Seg::Key(list.into()), Seg::Index(i), Seg::Key("id".into())];
                let mut d = locate_diag(src, &path, Some(id), format!("{what} \"{id}\" heeft geen interventies"))
                    .with_hint("de kaart toont een lege lijst; voeg interventies toe of haal dit item weg");
                d.severity = Severity::Warning;
                diags.push(d);
            }
        }
    }
}

/// Every text of an intervention that reaches the PDF, with its key.
fn intervention_texts(it: &Intervention) -> Vec<(&'static str, &str)> {
    let mut v: Vec<(&'static str, &str)> =
        vec![("naam", &it.name), ("samenvatting", &it.summary), ("beschrijving", &it.description)];
    for (k, t) in [
        ("doel", &it.goal),
        ("werkwijze", &it.method),
        ("indicatie", &it.indication),
        ("contra_indicatie", &it.contra_indication),
        ("aanmelding", &it.referral),
        ("aanbieder", &it.provider),
        ("duur", &it.duration),
        ("kosten", &it.costs),
    ] {
        if let Some(t) = t {
            v.push((k, t));
        }
    }
    for (k, list) in [("regio", &it.regions), ("trefwoorden", &it.keywords), ("bronnen", &it.sources)] {
        v.extend(list.iter().map(|t| (k, t.as_str())));
    }
    if let Some(c) = &it.contact {
        for t in [&c.website, &c.email, &c.phone].into_iter().flatten() {
            v.push(("contact", t));
        }
    }
    v
}

/// Reports the first character per field that the font cannot show, naming it and its code point.
fn check_glyphs(texts: &[(&str, &str)], src: &Source, fonts: &Fonts, diags: &mut Vec<Diagnostic>) {
    let mut reported = BTreeSet::new();
    for (k, text) in texts {
        if let Some(c) = fonts.first_missing(text)
            && reported.insert(c)
        {
            let shown: String = c.to_string();
            let mut d = locate_diag(
                src,
                &key(k),
                Some(&shown),
                format!("het lettertype kan teken \"{c}\" (U+{:04X}) in veld \"{k}\" niet tonen", c as u32),
            );
            if d.line <= 1
                && let Some(pos) = src.text.find(c)
            {
                let (line, col) = crate::load::line_col(src.text.as_bytes(), pos);
                d = Diagnostic { line, col, ..d }.with_source(&src.text, 1);
            }
            diags.push(d.with_hint("vervang het teken door gewone tekst (emoji en symbolen kan de kaart niet tonen)"));
        }
    }
}

/// Only these schemes may reach the PDF; `javascript:` and `file:` never do.
pub fn check_url(url: &str, schemes: &[&str]) -> Result<(), String> {
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err("het protocol ontbreekt".into());
    };
    let scheme_lc = scheme.to_ascii_lowercase();
    if !schemes.contains(&scheme_lc.as_str()) {
        return Err(format!("protocol \"{scheme}:\" is niet toegestaan (alleen {})", schemes.join(", ")));
    }
    let Some(host_part) = rest.strip_prefix("//") else {
        return Err("na het protocol hoort //".into());
    };
    let host = host_part.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || !host.contains('.') && host != "localhost" {
        return Err("de domeinnaam ontbreekt".into());
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("het adres bevat een spatie".into());
    }
    Ok(())
}

pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '(' | ')' | ',' | ';' | ':' | '"'))
        && !domain.contains('@')
}

pub fn is_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    (3..=20).contains(&digits)
        && s.chars().all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '+' | '.'))
        && !s[1..].contains('+')
}

fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_valid_id("cova-plus"));
        assert!(is_valid_id("3d-aanpak"));
        assert!(!is_valid_id("123"));
        assert!(!is_valid_id("CoVa"));
        assert!(!is_valid_id("co--va"));
        assert!(!is_valid_id("-cova"));
        assert_eq!(suggest_id("Schuldhulp Één"), "schuldhulp-een");
        assert_eq!(suggest_id("123"), "interventie-123");
    }

    #[test]
    fn urls_only_web_schemes() {
        assert!(check_url("https://www.reclassering.nl/x", &["http", "https"]).is_ok());
        assert!(check_url("javascript:alert(1)", &["http", "https"]).is_err());
        assert!(check_url("file:///etc/passwd", &["http", "https"]).is_err());
        assert!(check_url("www.x.nl", &["http", "https"]).is_err());
        assert!(check_url("https://", &["http", "https"]).is_err());
    }

    #[test]
    fn emails_phones_languages() {
        assert!(is_email("info@halt.nl"));
        assert!(!is_email("info@halt"));
        assert!(!is_email("mailto:info@halt.nl"));
        assert!(is_phone("+31 30 123 45 67"));
        assert!(is_phone("0900-1234"));
        assert!(!is_phone("bel ons"));
        assert!(is_language_tag("nl-NL"));
        assert!(!is_language_tag("nederlands"));
    }
}
