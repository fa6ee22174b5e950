//! The bundled example kaart in `data/` is the product's showcase: it must validate without a
//! single warning and have the spread a professional expects (issue 4): every domain at least 8
//! interventions, every target group at least 6, every financing route at least 5, all three
//! kaders, at least 40 interventions with `verwant`, at least 100 interventions, and no two
//! interventions sharing a `samenvatting` or a `beschrijving`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use kaart::Diagnostic;
use kaart::model::{Framework, Intervention};
use kaart::validate::Catalogue;

const MIN_INTERVENTIONS: usize = 100;
const MIN_PER_DOMAIN: usize = 8;
const MIN_PER_TARGET_GROUP: usize = 6;
const MIN_PER_FUNDING: usize = 5;
const MIN_WITH_RELATED: usize = 40;

/// The catalogue and its warnings; each test checks one thing, so a warning does not hide a
/// thin spread or a duplicate text.
fn load() -> (Catalogue, Vec<Diagnostic>) {
    match kaart::check(Path::new("data"), false, None) {
        Ok((cat, warnings, _)) => (cat, warnings),
        Err(kaart::Error::Invalid(diags)) => {
            panic!("data/ is ongeldig:\n{}", diags.iter().map(|d| d.to_string()).collect::<Vec<_>>().join("\n"))
        }
        Err(e) => panic!("data/ kon niet worden gecontroleerd: {e}"),
    }
}

fn catalogue() -> Catalogue {
    load().0
}

/// How many interventions list each id (every id an intervention lists counts, not only the first).
fn count_by(cat: &Catalogue, ids: &[&str], of: impl Fn(&Intervention) -> &Vec<String>) -> BTreeMap<String, usize> {
    let mut counts: BTreeMap<String, usize> = ids.iter().map(|id| (id.to_string(), 0)).collect();
    for it in &cat.interventions {
        for id in of(it) {
            *counts.entry(id.clone()).or_default() += 1;
        }
    }
    counts
}

fn assert_minimum(what: &str, counts: &BTreeMap<String, usize>, min: usize) {
    let short: Vec<String> = counts.iter().filter(|(_, n)| **n < min).map(|(id, n)| format!("{id}: {n}")).collect();
    assert!(
        short.is_empty(),
        "elke {what} heeft minstens {min} interventies nodig; te weinig: {} (alle tellingen: {counts:?})",
        short.join(", ")
    );
}

#[test]
fn example_data_validates_without_warnings() {
    let (cat, warnings) = load();
    assert!(
        warnings.is_empty(),
        "data/ geeft {} waarschuwing(en); de voorbeeldkaart moet zonder waarschuwingen valideren:\n{}",
        warnings.len(),
        warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>().join("\n")
    );
    assert!(
        cat.interventions.len() >= MIN_INTERVENTIONS,
        "de voorbeeldkaart heeft minstens {MIN_INTERVENTIONS} interventies nodig, maar heeft er {}",
        cat.interventions.len()
    );
}

#[test]
fn every_domain_has_enough_interventions() {
    let cat = catalogue();
    let ids: Vec<&str> = cat.kaart.domains.iter().map(|d| d.id.as_str()).collect();
    assert!(ids.len() >= 7, "de kaart noemt maar {} domeinen: {ids:?}", ids.len());
    assert_minimum("domein", &count_by(&cat, &ids, |it| &it.domains), MIN_PER_DOMAIN);
}

#[test]
fn every_target_group_has_enough_interventions() {
    let cat = catalogue();
    let ids: Vec<&str> = cat.kaart.target_groups.iter().map(|d| d.id.as_str()).collect();
    for required in
        ["jeugd", "jongvolwassenen", "volwassenen", "huiselijk-geweld", "verward-gedrag", "radicalisering", "o3", "lvb"]
    {
        assert!(ids.contains(&required), "doelgroep \"{required}\" ontbreekt in kaart.yaml (wel: {ids:?})");
    }
    assert_minimum("doelgroep", &count_by(&cat, &ids, |it| &it.target_groups), MIN_PER_TARGET_GROUP);
}

#[test]
fn every_financing_route_has_enough_interventions() {
    let cat = catalogue();
    let ids: Vec<&str> = cat.kaart.fundings.iter().map(|d| d.id.as_str()).collect();
    for required in ["justitieel-kader", "jeugdwet", "wmo", "zvw", "gemeente"] {
        assert!(ids.contains(&required), "financieringsroute \"{required}\" ontbreekt in kaart.yaml (wel: {ids:?})");
    }
    assert!(
        ids.contains(&"wlz") || ids.contains(&"participatiewet"),
        "kaart.yaml noemt Wlz noch Participatiewet als financieringsroute (wel: {ids:?})"
    );
    assert_minimum("financieringsroute", &count_by(&cat, &ids, |it| &it.fundings), MIN_PER_FUNDING);
}

#[test]
fn all_three_kaders_are_present() {
    let cat = catalogue();
    for (word, fw) in Framework::ALL {
        let n = cat.interventions.iter().filter(|it| it.frameworks.contains(&fw)).count();
        assert!(n > 0, "geen enkele interventie heeft kader \"{word}\"");
    }
}

#[test]
fn enough_interventions_have_related_links() {
    let cat = catalogue();
    let n = cat.interventions.iter().filter(|it| !it.related.is_empty()).count();
    assert!(
        n >= MIN_WITH_RELATED,
        "minstens {MIN_WITH_RELATED} interventies moeten \"verwant\" invullen, nu {n} van de {}",
        cat.interventions.len()
    );
}

/// Compares texts as a reader sees them: case and white space do not make two texts different.
fn normalised(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

fn assert_unique(cat: &Catalogue, key: &str, text: impl Fn(&Intervention) -> &str) {
    let mut seen: BTreeMap<String, &str> = BTreeMap::new();
    let mut clashes = Vec::new();
    for it in &cat.interventions {
        if let Some(first) = seen.insert(normalised(text(it)), &it.id) {
            clashes.push(format!("{first} en {}", it.id));
        }
    }
    assert!(clashes.is_empty(), "deze interventies hebben dezelfde \"{key}\": {}", clashes.join("; "));
}

#[test]
fn no_two_interventions_share_a_summary_or_description() {
    let cat = catalogue();
    assert_unique(&cat, "samenvatting", |it| &it.summary);
    assert_unique(&cat, "beschrijving", |it| &it.description);
}

#[test]
fn every_summary_is_one_sentence_and_every_name_is_clean() {
    let cat = catalogue();
    let mut problems = BTreeSet::new();
    for it in &cat.interventions {
        let s = it.summary.trim();
        if !s.ends_with('.') {
            problems.insert(format!("{}: samenvatting eindigt niet met een punt", it.id));
        }
        // A second sentence starts after ". ", "! " or "? " followed by a capital.
        let chars: Vec<char> = s.chars().collect();
        if chars.windows(3).any(|w| matches!(w[0], '.' | '!' | '?') && w[1] == ' ' && w[2].is_uppercase()) {
            problems.insert(format!("{}: samenvatting lijkt meer dan één zin", it.id));
        }
        let n = &it.name;
        if n.trim() != n || n.contains("  ") || n.contains('\n') || n.ends_with('.') {
            problems.insert(format!("{}: naam \"{n}\" is niet netjes", it.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.into_iter().collect::<Vec<_>>().join("\n"));
}

#[test]
fn every_intervention_is_found_by_its_id() {
    let cat = catalogue();
    for it in &cat.interventions {
        assert_eq!(cat.intervention(&it.id).map(|i| &i.name), Some(&it.name), "{}", it.id);
    }
    assert!(cat.intervention("bestaat-niet").is_none());
    assert!(cat.intervention("").is_none());
}
