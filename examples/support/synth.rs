//! Synthetic kaarts for benchmarks: `kaart.yaml` plus N interventions of Dutch text, written as
//! an editor would (block scalars, bullet lists, diacritics, euro amounts). Deterministic: a
//! small hand-written PRNG (splitmix64) seeded per intervention, so the same seed gives the same
//! bytes on every machine and the first interventions do not change when N grows.
//! Shared by the `gen` and `bench` examples (`#[path]`-included; no extra dependency).

use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

/// The kaart's `datum`; every `bijgewerkt` lies within the year before it.
pub const KAART_DATE: (i64, i64, i64) = (2026, 6, 30);
/// Most `verwant` links per intervention.
const MAX_RELATED: usize = 6;

/// splitmix64 (Steele, Lea, Flood 2014): tiny, fast and good enough for test data.
pub struct Rng(u64);

impl Rng {
    /// A generator for one stream (say, intervention `i`) that does not depend on the others.
    pub fn stream(seed: u64, stream: u64) -> Self {
        let mut r = Rng(seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`); the modulo bias is irrelevant for test data.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Between `lo` and `hi` distinct indices of `0..n`, in increasing order.
    pub fn sample_some(&mut self, n: usize, lo: usize, hi: usize) -> Vec<usize> {
        let k = self.range(lo, hi);
        self.sample(n, k)
    }

    /// `k` distinct indices of `0..n`, in increasing order.
    pub fn sample(&mut self, n: usize, k: usize) -> Vec<usize> {
        let mut all: Vec<usize> = (0..n).collect();
        for i in 0..k.min(n) {
            let j = i + self.below(n - i);
            all.swap(i, j);
        }
        all.truncate(k.min(n));
        all.sort_unstable();
        all
    }
}

pub const DOMAINS: [(&str, &str, &str, &str); 7] = [
    (
        "zorg-en-gezondheid",
        "Zorg en gezondheid",
        "#2E7D32",
        "Geestelijke gezondheidszorg, verslavingszorg, leefstijl en hygiëne: zorg die past bij de cliënt.",
    ),
    ("onderwijs", "Onderwijs", "#1565C0", "School, taalvaardigheid, voortijdig schoolverlaten en leren."),
    (
        "werk-en-inkomen",
        "Werk en inkomen",
        "#EF6C00",
        "Werk, een stabiel inkomen, schulden en armoede: financiële rust als basis voor verandering.",
    ),
    ("wonen", "Wonen", "#6A1B9A", "Opvang, begeleid en beschermd wonen, en een veilige, prettige buurt."),
    (
        "veiligheid",
        "Veiligheid",
        "#C62828",
        "Interventies die criminaliteit, overlast en huiselijk geweld voorkomen of aanpakken.",
    ),
    ("participatie", "Participatie en welzijn", "#00838F", "Meedoen, ontmoeting, vrijwilligerswerk en welzijn."),
    (
        "opvoeden-en-gezin",
        "Opvoeden en gezin",
        "#AD1457",
        "Opvoedingsondersteuning, gezinsbehandeling en het netwerk rond een gezin.",
    ),
];

pub const GROUPS: [(&str, &str, &str); 8] = [
    ("kinderen", "Kinderen (0–12 jaar)", "Kinderen tot en met twaalf jaar en hun directe omgeving."),
    ("jongeren", "Jongeren (12–18 jaar)", "Minderjarigen, vaak met jeugdhulp, Halt of jeugdreclassering."),
    ("jongvolwassenen", "Jongvolwassenen (18–27 jaar)", "Jongvolwassenen op weg naar zelfstandigheid."),
    ("volwassenen", "Volwassenen", "Volwassenen met problemen op één of meer leefgebieden."),
    ("ouderen", "Ouderen", "Zelfstandig wonende ouderen, meestal 65 jaar en ouder."),
    ("ouders", "Ouders en opvoeders", "Ouders, verzorgers en andere opvoeders."),
    ("nieuwkomers", "Nieuwkomers", "Statushouders en andere nieuwkomers, ook uit België of elders in de EU."),
    ("lvb", "Licht verstandelijke beperking (LVB)", "Personen met een LVB, die een aangepaste aanpak nodig hebben."),
];

pub const FUNDINGS: [(&str, &str, &str); 6] = [
    (
        "justitieel-kader",
        "Justitieel kader",
        "Betaald door het ministerie van Justitie en Veiligheid, via reclassering of forensische zorg.",
    ),
    ("jeugdwet", "Jeugdwet", "Jeugdhulp, jeugdbescherming en jeugdreclassering, betaald door de gemeente."),
    ("wmo", "Wmo 2015", "Maatschappelijke ondersteuning door de gemeente, na een keukentafelgesprek."),
    ("zvw", "Zorgverzekeringswet (Zvw)", "Geneeskundige zorg, zoals ggz en verslavingszorg, via de zorgverzekeraar."),
    ("participatiewet", "Participatiewet", "Bijstand, re-integratie en begeleiding naar werk door de gemeente."),
    (
        "gemeente",
        "Gemeentelijke subsidie",
        "Vrij toegankelijk aanbod dat de gemeente subsidieert; geen beschikking nodig.",
    ),
];

const KADER: [&str; 3] = ["vrijwillig", "drang", "dwang"];
const ERKENNING: [&str; 9] = [
    "goed-beschreven",
    "goed-onderbouwd",
    "eerste-aanwijzingen",
    "goede-aanwijzingen",
    "sterke-aanwijzingen",
    "erkend",
    "voorlopig-erkend",
    "niet-erkend",
    "niet-beoordeeld",
];

const SUBJECTS: &[&str] = &[
    "De begeleider",
    "De jongerencoach",
    "Het wijkteam",
    "De casusregisseur",
    "De reclasseringswerker",
    "Een ervaren vrijwilliger",
    "De jeugdverpleegkundige",
    "De trajectbegeleider",
    "Het sociaal team",
    "De gedragsdeskundige",
    "De schuldhulpverlener",
    "De wijkagent",
    "De huisarts",
    "De coördinator",
    "De ambulant hulpverlener",
    "Het Veiligheidshuis",
    "De consulent van de gemeente",
    "De gezinscoach",
];
const VERBS: &[&str] = &[
    "bespreekt",
    "onderzoekt",
    "evalueert",
    "bewaakt",
    "versterkt",
    "ondersteunt",
    "coördineert",
    "stimuleert",
    "verbetert",
    "begeleidt",
    "brengt samen met de cliënt",
    "maakt afspraken over",
    "signaleert",
    "zet in op",
];
const OBJECTS: &[&str] = &[
    "de doelen van de cliënt",
    "de financiële situatie van het gezin",
    "het sociale netwerk",
    "de ideeën van de deelnemer",
    "de zelfredzaamheid van de jongere",
    "de samenwerking tussen politie, zorg en gemeente",
    "de risico’s op terugval",
    "de dagbesteding en het inkomen",
    "de hygiëne en het huishouden",
    "de opvoedvaardigheden van de ouders",
    "de coördinatie van zorg en veiligheid",
    "de motivatie om te veranderen",
    "het continuüm van zorg",
    "de naïeve verwachtingen over snel resultaat",
    "de re-integratie na detentie",
    "de schulden en de betalingsregelingen",
    "de contacten met school en leerplicht",
    "de veiligheid van de kinderen",
    "de overgang naar zelfstandig wonen",
    "het contact met geüniformeerde hulpdiensten",
];
const ADVERBIALS: &[&str] = &[
    "tijdens wekelijkse huisbezoeken",
    "in een vast rooster van twaalf bijeenkomsten",
    "samen met de naaste omgeving",
    "in nauwe afstemming met het casusoverleg",
    "op een laagdrempelige manier",
    "binnen het justitieel kader",
    "na een grondige intake",
    "met behulp van een gevalideerd instrument",
    "zodat de cliënt niet opnieuw in de problemen komt",
    "zonder wachtlijst",
    "in het buurthuis of het café om de hoek",
    "bij een reünie een half jaar na afloop",
    "in de eigen taal van de deelnemer",
    "met oog voor de cultuur en de achtergrond van het gezin",
    "ook in de avonduren en het weekend",
    "zo dicht mogelijk bij huis",
    "in een vertrouwelijk één-op-ééngesprek",
    "terwijl de hulpverlening thuis doorloopt",
];
const OUTCOMES: &[&str] = &[
    "minder vaak opnieuw met politie en justitie in aanraking komt",
    "na een jaar nog steeds een stabiel inkomen heeft",
    "zich beter geïnformeerd voelt over de eigen rechten",
    "de schulden binnen drie jaar heeft afgelost",
    "weer regelmatig naar school of werk gaat",
    "een sterker netwerk van familie en vrienden heeft",
    "minder stress en conflicten in het gezin ervaart",
    "zelfstandig woont zonder overlast voor de buurt",
];
const ORGS: &[&str] = &[
    "het Nederlands Jeugdinstituut",
    "Movisie",
    "het Trimbos-instituut",
    "het WODC",
    "de Hogeschool Utrecht",
    "een onafhankelijk bureau uit België",
    "de GGD",
    "de Erkenningscommissie Justitiële Interventies",
];
const NAME_ADJ: &[&str] = &[
    "Samen", "Sterk", "Actief", "Gezond", "Vitaal", "Veilig", "Nieuw", "Eigen", "Vrij", "Krachtig", "Naïef", "Stevig",
];
const NAME_NOUN: &[&str] = &[
    "Thuis",
    "Buurt",
    "Wijk",
    "Coöperatie",
    "Ideeën",
    "Reünie",
    "Café",
    "Netwerk",
    "Start",
    "Kracht",
    "Maatje",
    "Steunpunt",
    "Huiskamer",
    "Vangnet",
    "Brug",
    "Kompas",
    "Traject",
    "Perspectief",
    "Kansen",
    "Toekomst",
];
const NAME_TAIL: &[&str] = &[
    "in de Wijk",
    "voor Ouders",
    "met Perspectief",
    "op Maat",
    "Plus",
    "2.0",
    "voor Één Gezin",
    "in Zuid",
    "na Detentie",
    "& Werk",
];
const PLACES: &[&str] = &[
    "Utrecht",
    "Zwolle",
    "Amersfoort",
    "'s-Hertogenbosch",
    "Den Haag",
    "Leeuwarden",
    "Maastricht",
    "Enschede",
    "Middelburg",
    "Groningen",
    "Almere",
    "Zaanstad",
    "Ede",
    "Hoorn",
    "Assen",
    "Tilburg",
    "Delft",
    "Lelystad",
    "Venlo",
    "Gouda",
    "Dordrecht",
    "Nijmegen",
    "Arnhem",
    "Heerlen",
    "Emmen",
    "Schiedam",
    "Oss",
    "Roermond",
    "Deventer",
    "Haarlem",
    "Leiden",
    "Breda",
    "Zeist",
    "Hengelo",
    "Ommen",
    "IJsselstein",
    "Capelle aan den IJssel",
    "Alphen aan den Rijn",
    "Súdwest-Fryslân",
    "Nieuwegein",
];
const PROVIDERS: &[&str] = &[
    "Stichting Wijkkracht",
    "Reclassering Nederland",
    "Leger des Heils Jeugdbescherming & Reclassering",
    "GGD regio Utrecht",
    "Buurtteams Amsterdam-Noord",
    "Jeugdformaat",
    "Coöperatie Zorg Dichtbij",
    "Humanitas",
    "Stichting Ideeën voor de Wijk",
    "Welzijn Één",
];
const REGIONS: &[&str] = &[
    "Utrecht",
    "Amsterdam",
    "Rotterdam-Rijnmond",
    "Haaglanden",
    "Friesland",
    "Limburg",
    "Twente",
    "Zeeland",
    "landelijk",
];
const KEYWORDS: &[&str] = &[
    "schulden",
    "opvoeding",
    "recidive",
    "huiselijk geweld",
    "dagbesteding",
    "eenzaamheid",
    "zelfredzaamheid",
    "coördinatie",
    "hygiëne",
    "re-integratie",
    "taal",
    "netwerk",
];

/// One sentence of about `words` words.
fn sentence(r: &mut Rng, words: usize) -> String {
    let mut s = match r.below(10) {
        0 => format!(
            "Uit onderzoek door {} blijkt dat {}% van de deelnemers {}",
            r.pick(ORGS),
            r.range(35, 85),
            r.pick(OUTCOMES)
        ),
        1 => format!(
            "Een traject kost gemiddeld € {}.{:03}, inclusief {} en de evaluatie",
            r.range(1, 9),
            r.below(1000),
            r.pick(OBJECTS).trim_start_matches("de ").trim_start_matches("het ")
        ),
        2 => format!("Na {} weken volgt een evaluatie met {} en {}", r.range(4, 16), r.pick(ORGS), r.pick(OBJECTS)),
        _ => format!("{} {} {} {}", r.pick(SUBJECTS), r.pick(VERBS), r.pick(OBJECTS), r.pick(ADVERBIALS)),
    };
    // Pad with more clauses until the sentence is long enough.
    while s.split_whitespace().count() + 4 < words {
        let clause = match r.below(4) {
            0 => format!(", en {}", r.pick(ADVERBIALS)),
            1 => format!(", waarbij {} centraal staat", r.pick(OBJECTS)),
            2 => format!(" – ook {}", r.pick(ADVERBIALS)),
            _ => format!(", zodat de deelnemer {}", r.pick(OUTCOMES)),
        };
        s.push_str(&clause);
    }
    s.push('.');
    s
}

/// Sentences summing to about `words` words.
fn sentences(r: &mut Rng, words: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut n = 0;
    while n < words {
        let target = r.range(8, 22).min(words - n + 4);
        let s = sentence(r, target);
        n += s.split_whitespace().count();
        out.push(s);
    }
    out
}

/// One text block of 40-200 words: one or two paragraphs, or an introduction with a bullet list.
fn block(r: &mut Rng, bullets: bool) -> String {
    let words = r.range(40, 200);
    let sents = sentences(r, words);
    let mut out = String::new();
    if bullets && sents.len() >= 3 {
        wrap_into(&mut out, &sents[0], "", "");
        for s in &sents[1..] {
            wrap_into(&mut out, s, "- ", "  ");
        }
    } else {
        let cut = if sents.len() >= 4 && r.chance(0.5) { sents.len() / 2 } else { sents.len() };
        wrap_into(&mut out, &sents[..cut].join(" "), "", "");
        if cut < sents.len() {
            out.push('\n');
            wrap_into(&mut out, &sents[cut..].join(" "), "", "");
        }
    }
    out
}

/// Appends `text` as lines of at most ~96 characters, as an editor's text editor would.
fn wrap_into(out: &mut String, text: &str, first: &str, rest: &str) {
    let mut line = String::from(first);
    let mut empty = true;
    for w in text.split(' ') {
        if !empty && line.chars().count() + 1 + w.chars().count() > 96 {
            out.push_str(&line);
            out.push('\n');
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(w);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
}

/// A YAML double-quoted scalar.
fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A YAML literal block scalar under `key`, indented by two spaces.
fn block_scalar(out: &mut String, key: &str, text: &str) {
    let _ = writeln!(out, "{key}: |");
    for line in text.lines() {
        if line.is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "  {line}");
        }
    }
}

fn flow_list(items: &[&str]) -> String {
    format!("[{}]", items.join(", "))
}

/// Lowercase ASCII with hyphens, for URLs and e-mail addresses.
fn slug(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let c = match c {
            'é' | 'ë' | 'è' | 'É' => 'e',
            'ï' | 'í' => 'i',
            'ü' | 'ú' => 'u',
            'ö' | 'ó' | 'Ö' => 'o',
            'á' | 'ä' | 'â' => 'a',
            c => c.to_ascii_lowercase(),
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    kaart::model::Date { year: y as u16, month: m as u8, day: d as u8 }.unix_days()
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let d = kaart::model::Date::from_unix_days(z).expect("a date in range");
    (i64::from(d.year), i64::from(d.month), i64::from(d.day))
}

/// The id of intervention `i` (0-based) in a kaart of `n`: `int-00001`, never digits only.
pub fn intervention_id(i: usize, n: usize) -> String {
    let width = n.to_string().len().max(5);
    format!("int-{:0width$}", i + 1)
}

/// Reciprocal `verwant` links: every intervention gets 0-6 partners and lists each of them,
/// and each partner lists it back, so validation has nothing to warn about.
fn related_graph(n: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut r = Rng::stream(seed, u64::MAX);
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        let want = r.range(0, MAX_RELATED);
        let mut tries = 0;
        while adj[i].len() < want && tries < 4 * MAX_RELATED && n > 1 {
            tries += 1;
            let j = r.below(n);
            if j != i && adj[j].len() < MAX_RELATED && !adj[i].contains(&j) {
                adj[i].push(j);
                adj[j].push(i);
            }
        }
    }
    adj
}

/// The text of `kaart.yaml`.
pub fn kaart_yaml() -> String {
    let (y, m, d) = KAART_DATE;
    let mut out = String::new();
    out.push_str("titel: Interventiekaart (synthetisch)\n");
    out.push_str("ondertitel: \"Gegenereerde testkaart: coördinatie, hygiëne, reünie en € – editie 2026\"\n");
    out.push_str("uitgever: Stichting Voorbeeld Interventies\n");
    out.push_str("auteur: kaart bench\n");
    out.push_str("versie: \"2026.1\"\n");
    let _ = writeln!(out, "datum: {y:04}-{m:02}-{d:02}");
    out.push_str("taal: nl-NL\n");
    out.push_str("contact: redactie@voorbeeld-interventies.nl\n");
    block_scalar(
        &mut out,
        "inleiding",
        "Deze kaart is gegenereerd om de snelheid van kaart te meten. De teksten lijken op echte\n\
         interventies, maar zijn willekeurig samengesteld.\n\n\
         - Begin bij een domein op de omslag, of bij een doelgroep.\n\
         - Open een interventie voor doel, werkwijze, indicatie en aanmelding.\n\
         - Onder Verwant staan interventies die vaak samen worden ingezet.\n",
    );
    block_scalar(&mut out, "colofon", "Synthetische gegevens; niet voor gebruik in een casusoverleg.\n");
    out.push_str("\ndomeinen:\n");
    for (id, name, color, desc) in DOMAINS {
        let _ = writeln!(
            out,
            "  - id: {id}\n    naam: {}\n    kleur: \"{color}\"\n    beschrijving: {}",
            quoted(name),
            quoted(desc)
        );
    }
    out.push_str("\ndoelgroepen:\n");
    for (id, name, desc) in GROUPS {
        let _ = writeln!(out, "  - id: {id}\n    naam: {}\n    beschrijving: {}", quoted(name), quoted(desc));
    }
    out.push_str("\nfinanciering:\n");
    for (id, name, note) in FUNDINGS {
        let _ = writeln!(out, "  - id: {id}\n    naam: {}\n    toelichting: {}", quoted(name), quoted(note));
    }
    out
}

/// A name such as "Sterk Netwerk na Detentie Zwolle" or "'s-Hertogenbosch Coöperatie Plus".
/// About 100,000 combinations: large kaarts get a few duplicate names, which the data
/// contract allows (same method, other provider) and the A-Z index must handle.
fn name(r: &mut Rng) -> String {
    let place = r.pick(PLACES);
    let base = format!("{} {}", r.pick(NAME_ADJ), r.pick(NAME_NOUN));
    let tail = if r.chance(0.5) { format!(" {}", r.pick(NAME_TAIL)) } else { String::new() };
    if r.chance(0.1) { format!("{place} {base}{tail}") } else { format!("{base}{tail} {place}") }
}

/// The text of `interventies/<id>.yaml` for intervention `i` of `n`.
fn intervention_yaml(i: usize, n: usize, seed: u64, related: &[usize]) -> String {
    let mut r = Rng::stream(seed, i as u64);
    let naam = name(&mut r);
    let mut out = String::new();
    let _ = writeln!(out, "naam: {}", quoted(&naam));
    let target = r.range(12, 24);
    let _ = writeln!(out, "samenvatting: {}", quoted(&sentence(&mut r, target)));

    // The first interventions cover every domain and target group, so none is empty.
    let mut doms = r.sample_some(DOMAINS.len(), 1, 3);
    if i < DOMAINS.len() {
        doms.retain(|&d| d != i);
        doms.insert(0, i);
    }
    let doms: Vec<&str> = doms.iter().map(|&d| DOMAINS[d].0).collect();
    let _ = writeln!(out, "domeinen: {}", flow_list(&doms));
    let mut groups = r.sample_some(GROUPS.len(), 1, 4);
    if i < GROUPS.len() && !groups.contains(&i) {
        groups.insert(0, i);
        groups.truncate(4);
    }
    let groups: Vec<&str> = groups.iter().map(|&g| GROUPS[g].0).collect();
    let _ = writeln!(out, "doelgroepen: {}", flow_list(&groups));

    // 8-12 text blocks of 40-200 words over the six long fields, the same volume per
    // intervention as gen_dataset.py's 8-12 labelled fields.
    let mut fields: Vec<&str> = vec!["beschrijving", "doel", "werkwijze", "indicatie"];
    if r.chance(0.7) {
        fields.push("contra_indicatie");
    }
    fields.push("aanmelding");
    let blocks = r.range(8, 12);
    let mut per_field = vec![1usize; fields.len()];
    for _ in fields.len()..blocks {
        per_field[r.below(fields.len())] += 1;
    }
    for (f, &k) in fields.iter().zip(&per_field) {
        let bullet_odds = if *f == "werkwijze" { 0.6 } else { 0.2 };
        let parts: Vec<String> = (0..k)
            .map(|_| {
                let bullets = r.chance(bullet_odds);
                block(&mut r, bullets)
            })
            .collect();
        block_scalar(&mut out, f, &parts.join("\n"));
    }

    let provider = PROVIDERS[r.below(PROVIDERS.len())];
    let _ = writeln!(out, "aanbieder: {}", quoted(provider));
    let kader: Vec<&str> = r.sample_some(KADER.len(), 1, 3).iter().map(|&k| KADER[k]).collect();
    let _ = writeln!(out, "kader: {}", flow_list(&kader));
    let fin: Vec<&str> = r.sample_some(FUNDINGS.len(), 0, 3).iter().map(|&f| FUNDINGS[f].0).collect();
    if !fin.is_empty() {
        let _ = writeln!(out, "financiering: {}", flow_list(&fin));
    }
    let min = *r.pick(&[0, 4, 12, 16, 18, 23, 27, 65]);
    let max = min + r.range(4, 40);
    let _ = writeln!(out, "leeftijd: {{min: {min}, max: {max}}}");
    let _ = writeln!(
        out,
        "duur: {}",
        quoted(&format!(
            "{} weken, {} bijeenkomsten van {} minuten",
            r.range(6, 52),
            r.range(4, 24),
            15 * r.range(2, 8)
        ))
    );
    let _ = writeln!(
        out,
        "kosten: {}",
        quoted(&format!(
            "€ {}.{:03} per traject; {}",
            r.range(1, 12),
            r.below(1000),
            r.pick(&[
                "vergoed via de Wmo",
                "voor de cliënt gratis",
                "eigen bijdrage € 25 per maand",
                "financiële bijdrage van de gemeente"
            ])
        ))
    );
    let _ = writeln!(out, "erkenning: {}", r.pick(&ERKENNING));
    let regio: Vec<&str> = r.sample_some(REGIONS.len(), 1, 2).iter().map(|&x| REGIONS[x]).collect();
    let _ = writeln!(out, "regio: {}", flow_list(&regio));
    let site = slug(&naam);
    let _ = writeln!(
        out,
        "contact:\n  website: https://www.{site}.nl/\n  email: info@{site}.nl\n  telefoon: \"0{} {:03} {:02} {:02}\"",
        r.range(10, 79),
        r.below(1000),
        r.below(100),
        r.below(100)
    );
    if !related.is_empty() {
        let mut ids: Vec<String> = related.iter().map(|&j| intervention_id(j, n)).collect();
        ids.sort();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let _ = writeln!(out, "verwant: {}", flow_list(&ids));
    }
    let kw: Vec<&str> = r.sample_some(KEYWORDS.len(), 2, 5).iter().map(|&k| KEYWORDS[k]).collect();
    let _ = writeln!(out, "trefwoorden: {}", flow_list(&kw));
    out.push_str("bronnen:\n");
    let hosts = [
        "www.nji.nl/interventies",
        "www.movisie.nl/interventie",
        "www.loketgezondleven.nl/interventies",
        "www.justitieleinterventies.nl",
    ];
    for h in r.sample_some(hosts.len(), 1, 3) {
        let _ = writeln!(out, "  - https://{}/{site}-{}", hosts[h], i + 1);
    }
    let (y, m, d) = KAART_DATE;
    let (by, bm, bd) = civil_from_days(days_from_civil(y, m, d) - r.range(0, 360) as i64);
    let _ = writeln!(out, "bijgewerkt: {by:04}-{bm:02}-{bd:02}");
    out
}

/// What `generate` wrote.
pub struct Generated {
    pub files: usize,
    pub bytes: u64,
}

/// Writes `dir/kaart.yaml` and `dir/interventies/<id>.yaml` for `n` interventions, and removes
/// stale `*.yaml` files from `dir/interventies`, so the folder holds exactly this kaart.
pub fn generate(dir: &Path, n: usize, seed: u64) -> io::Result<Generated> {
    let idir = dir.join("interventies");
    fs::create_dir_all(&idir)?;
    let kaart = kaart_yaml();
    fs::write(dir.join("kaart.yaml"), &kaart)?;
    let mut bytes = kaart.len() as u64;
    let graph = related_graph(n, seed);
    let mut wanted = std::collections::BTreeSet::new();
    for (i, related) in graph.iter().enumerate() {
        let name = format!("{}.yaml", intervention_id(i, n));
        let text = intervention_yaml(i, n, seed, related);
        bytes += text.len() as u64;
        fs::write(idir.join(&name), text)?;
        wanted.insert(name);
    }
    for entry in fs::read_dir(&idir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.ends_with(".yaml") && !wanted.contains(&name) {
            fs::remove_file(idir.join(&name))?;
        }
    }
    Ok(Generated { files: n + 1, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        for z in [-1000, 0, 20_000, 20_635] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
    }

    #[test]
    fn related_links_are_reciprocal() {
        let g = related_graph(500, 7);
        for (i, rel) in g.iter().enumerate() {
            assert!(rel.len() <= MAX_RELATED);
            for &j in rel {
                assert!(g[j].contains(&i));
            }
        }
    }
}
