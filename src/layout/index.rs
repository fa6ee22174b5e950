//! The reading paths into the kaart: "Hoe werkt deze kaart", one index per domain, target group
//! and financing route (with overview pages for the last two), the A-Z index, and the outline.

use unicode_normalization::UnicodeNormalization;

use super::*;
use crate::model::{Framework, Intervention, Recognition};

const DEFAULT_INTRO: &str = "Deze kaart helpt professionals in het casusoverleg om snel een passende interventie te vinden. \
Kies op de omslag een domein of een doelgroep, open een interventie en lees voor wie zij is, wat zij doet, \
wie haar aanbiedt en hoe u aanmeldt.\n\nDe navigatiebalk bovenaan elke pagina brengt u terug naar de start, \
naar een domein, naar de doelgroepen of naar de index A-Z.";

/// How a Dutch reader sorts names: case and accents do not count, and a leading apostrophe,
/// quote or bracket is skipped ("'t Kan anders" sorts under T).
pub fn sort_key(name: &str) -> String {
    let trimmed = name.trim_start_matches(|c: char| !c.is_alphanumeric());
    trimmed.nfd().filter(|c| !unicode_normalization::char::is_combining_mark(*c)).flat_map(char::to_lowercase).collect()
}

/// The A-Z section a name belongs to: a letter, or "0-9" for names that start with a digit.
pub fn section_of(name: &str) -> String {
    match sort_key(name).chars().next() {
        Some(c) if c.is_ascii_digit() => "0-9".into(),
        Some(c) if c.is_ascii_lowercase() => c.to_ascii_uppercase().to_string(),
        _ => "#".into(),
    }
}

/// Interventions in reading order: by sort key, then name, then id.
pub fn sorted<'a>(list: impl IntoIterator<Item = &'a Intervention>) -> Vec<&'a Intervention> {
    let mut v: Vec<(String, &Intervention)> = list.into_iter().map(|i| (sort_key(&i.name), i)).collect();
    v.sort_by(|a, b| (&a.0, &a.1.name, &a.1.id).cmp(&(&b.0, &b.1.name, &b.1.id)));
    v.into_iter().map(|(_, i)| i).collect()
}

/// The interventions of `by_name` (all of them, `sorted`) that `pred` picks, in that order: a
/// sort key is made once per intervention, not once per index it is in.
fn members<'a>(by_name: &[&'a Intervention], pred: impl Fn(&Intervention) -> bool) -> Vec<&'a Intervention> {
    by_name.iter().copied().filter(|i| pred(i)).collect()
}

fn domain_color(b: &Builder, it: &Intervention) -> Rgb {
    b.cat.kaart.domains.iter().find(|d| Some(&d.id) == it.domains.first()).map_or(NEUTRAL, |d| d.color)
}

/// The page header of a part: a coloured band with the title (H1) and an optional line under it.
/// Returns the first y below it.
pub(crate) fn part_header(
    b: &mut Builder,
    page: usize,
    title: &str,
    color: Rgb,
    description: Option<&str>,
    count: Option<String>,
) -> f32 {
    let top = b.geo.content_top - 6.0;
    let width = b.geo.content_width() - 28.0;
    let st = Style::new(Face::Bold, 17.0, text_on(color)).lead(21.0);
    let h = b.measure(st, title, width) + 16.0;
    b.panel(page, Rect { x: b.geo.margin, y: top, w: b.geo.content_width(), h }, color);
    let block = b.block();
    b.lines(page, b.geo.margin + 14.0, top + 8.0, width, st, title, Role::Heading(1), block);
    let mut y = top + h + 10.0;
    if let Some(d) = description {
        let block = b.block();
        y = b.lines(page, b.geo.margin, y, b.geo.content_width(), BODY, d, Role::Paragraph, block);
    }
    if let Some(c) = count {
        let block = b.block();
        y = b.lines(page, b.geo.margin, y, b.geo.content_width(), SMALL, &c, Role::Paragraph, block);
    }
    y + 10.0
}

pub(crate) fn count_label(n: usize) -> String {
    if n == 1 { "1 interventie".into() } else { format!("{n} interventies") }
}

pub fn how_to(b: &mut Builder) {
    let part = b.part("Hoe werkt deze kaart");
    let page = b.new_page(part);
    b.dest("inleiding", page, 0.0);
    let y = part_header(b, page, "Hoe werkt deze kaart", NEUTRAL, None, None);
    let cols = b.geo.column_boxes(b.geo.columns, 28.0);
    let mut flow = Flow::new(page, y, cols, part, "Hoe werkt deze kaart", NEUTRAL);
    let cat = b.cat;
    let intro = cat.kaart.intro.as_deref().unwrap_or(DEFAULT_INTRO);
    flow_text(b, &mut flow, intro, BODY);

    section_heading(b, &mut flow, "Domeinen en kleuren");
    for d in &cat.kaart.domains {
        let block = b.block();
        let sw = 10.0;
        let name_st = Style::new(Face::Bold, 9.5, INK).lead(13.0);
        let desc = d.description.clone().unwrap_or_default();
        let h =
            name_st.leading + if desc.is_empty() { 0.0 } else { b.measure(SMALL, &desc, flow.w() - sw - 8.0) } + 4.0;
        flow.ensure(b, h);
        let (x, page) = (flow.x(), flow.page);
        b.fill(page, Rect { x, y: flow.y + 2.0, w: sw, h: sw }, d.color);
        let target = Target::Dest(format!("domein-{}", d.id).into());
        let y = b.link_lines(
            page,
            x + sw + 8.0,
            flow.y,
            flow.w() - sw - 8.0,
            name_st.color(LINK),
            &d.name,
            &target,
            &format!("Naar het domein {}", d.name),
            Role::ListBody,
            block,
        );
        let y = if desc.is_empty() {
            y
        } else {
            b.lines(page, x + sw + 8.0, y, flow.w() - sw - 8.0, SMALL, &desc, Role::ListBody, block)
        };
        flow.y = y + 4.0;
    }

    section_heading(b, &mut flow, "Kader: vrijwillig, drang of dwang");
    for (_, f) in Framework::ALL {
        legend_chip(b, &mut flow, f.label(), KADER, f.explanation());
    }
    section_heading(b, &mut flow, "Erkenning");
    let text = "De databanken van erkende interventies beoordelen of een interventie goed beschreven is, goed onderbouwd, en of er aanwijzingen zijn dat zij werkt. Justitiële gedragsinterventies worden erkend door de Erkenningscommissie Justitiële Interventies.";
    flow_text(b, &mut flow, text, SMALL.color(INK));
    flow.y += 4.0;
    for (_, r) in Recognition::ALL {
        legend_chip(b, &mut flow, r.label(), ERKENNING, "");
    }
    section_heading(b, &mut flow, "Symbolen");
    for (sym, what) in [
        ("p. 12", "het paginanummer van een interventie; klik om erheen te gaan"),
        ("‹ ›", "terug naar het overzicht, of verder op de volgende pagina"),
        ("onderstreept", "een link: naar een andere pagina, een website, e-mail of telefoon"),
    ] {
        legend_chip(b, &mut flow, sym, CHIP, what);
    }

    let k = &cat.kaart;
    section_heading(b, &mut flow, "Colofon");
    let mut lines = Vec::new();
    lines.push(k.title.clone());
    if let Some(p) = &k.publisher {
        lines.push(format!("Uitgave: {p}"));
    }
    if let Some(a) = &k.author {
        lines.push(format!("Samenstelling: {a}"));
    }
    let mut v = format!("Datum: {}", k.date.dutch());
    if let Some(ver) = &k.version {
        v = format!("Versie {ver}, {}", k.date.dutch());
    }
    lines.push(v);
    flow_text(b, &mut flow, &lines.join("\n"), SMALL.color(INK));
    if let Some(c) = &k.colophon {
        flow.y += 5.0;
        flow_text(b, &mut flow, c, SMALL.color(INK));
    }
    if let Some(mail) = &k.contact {
        flow.y += 5.0;
        let st = SMALL.color(LINK);
        let label = format!("Opmerkingen en aanvullingen: {mail}");
        flow.ensure(b, st.leading);
        let block = b.block();
        let target = Target::Url(format!("mailto:{mail}"));
        flow.y = b.link_lines(
            flow.page,
            flow.x(),
            flow.y,
            flow.w(),
            st,
            &label,
            &target,
            &format!("E-mail naar de redactie: {mail}"),
            Role::Paragraph,
            block,
        );
    }
}

fn section_heading(b: &mut Builder, flow: &mut Flow, title: &str) {
    flow.y += 10.0;
    let st = LABEL;
    flow.ensure(b, st.leading * 2.5);
    let block = b.block();
    flow.y = b.lines(flow.page, flow.x(), flow.y, flow.w(), st, title, Role::Heading(2), block) + 2.0;
}

fn legend_chip(b: &mut Builder, flow: &mut Flow, label: &str, fill: Rgb, what: &str) {
    let size = 7.5;
    let (cw, ch) = b.chip_size(label, size);
    let text_x = if what.is_empty() { 0.0 } else { (cw + 8.0).max(70.0) };
    let h = if what.is_empty() { ch } else { b.measure(SMALL.color(INK), what, flow.w() - text_x).max(ch) };
    flow.ensure(b, h + 4.0);
    let block = b.block();
    b.chip(flow.page, flow.x(), flow.y, label, size, fill, None, block);
    if !what.is_empty() {
        b.lines(
            flow.page,
            flow.x() + text_x,
            flow.y + 1.5,
            flow.w() - text_x,
            SMALL.color(INK),
            what,
            Role::ListBody,
            block,
        );
    }
    flow.y += h + 4.0;
}

/// An index page series: header, then entries in columns. Returns its pages.
#[allow(clippy::too_many_arguments)]
fn index_part(
    b: &mut Builder,
    title: &str,
    dest: &str,
    color: Rgb,
    description: Option<&str>,
    entries: &[&Intervention],
    empty: &str,
) -> Vec<usize> {
    let part = b.part(title);
    let page = b.new_page(part);
    b.dest(dest, page, 0.0);
    let y = part_header(b, page, title, color, description, Some(count_label(entries.len())));
    let cols = b.geo.column_boxes(b.geo.columns, 28.0);
    let mut flow = Flow::new(page, y, cols, part, title, color);
    if entries.is_empty() {
        let block = b.block();
        b.lines(page, flow.x(), flow.y, flow.w(), BODY.color(MUTED), empty, Role::Paragraph, block);
    }
    for it in entries {
        index_entry(b, &mut flow, it);
    }
    let first = page;
    (first..=flow.page).collect()
}

/// One entry of an index: name and page number (both links), summary, target groups and kader.
fn index_entry(b: &mut Builder, flow: &mut Flow, it: &Intervention) {
    let cat = b.cat;
    let bar = 3.0;
    let indent = bar + 7.0;
    let name_st = Style::new(Face::Bold, 10.0, LINK).lead(13.0);
    let sum_st = Style::new(Face::Regular, 8.8, INK).lead(12.2);
    let ref_st = Style::new(Face::Bold, 8.8, MUTED);
    let ref_w = b.page_ref_width(ref_st);
    let w = flow.w() - indent;
    let name_lines = wrap(b.fonts, name_st.face, name_st.size, &it.name, w - ref_w - 6.0);
    let sum_lines = wrap(b.fonts, sum_st.face, sum_st.size, &it.summary, w);
    let mut chips: Vec<ChipSpec> = Vec::new();
    for g in &it.target_groups {
        if let Some(tg) = cat.kaart.target_groups.iter().find(|t| &t.id == g) {
            // Plain text here: the cover, the detail page and the bookmarks link the groups, and
            // an index with hundreds of entries would otherwise carry thousands of links.
            chips.push((tg.name.clone(), CHIP, None));
        }
    }
    for f in &it.frameworks {
        chips.push((f.label().to_string(), KADER, None));
    }
    let chip_size = 6.8;
    let rows = chip_rows(b, &chips, chip_size, w);
    let chip_h = b.chip_size("X", chip_size).1;
    let h = name_lines.len() as f32 * name_st.leading
        + sum_lines.len() as f32 * sum_st.leading
        + if chips.is_empty() {
            0.0
        } else {
            rows.iter().map(|r| r.0 + 1.0).fold(0.0, f32::max) * (chip_h + 3.0) + 3.0
        };
    flow.ensure(b, h + 10.0);
    let (page, x0, top) = (flow.page, flow.x(), flow.y);
    b.fill(page, Rect { x: x0, y: top + 1.0, w: bar, h: h - 1.0 }, domain_color(b, it));
    let block = b.block();
    let alt = format!("Naar de interventie {}", it.name);
    let x = x0 + indent;
    let mut y = b.name_with_page(
        page,
        x,
        top,
        x0 + flow.w(),
        &name_lines,
        (name_st, ref_st),
        &it.id,
        &alt,
        Role::IndexEntry,
        block,
    );
    for line in sum_lines.iter() {
        b.text_line(page, x, y + sum_st.ascent(), sum_st, line, Role::IndexEntry, block, None);
        y += sum_st.leading;
    }
    if !chips.is_empty() {
        y += 3.0;
        for (i, (label, fill, target)) in chips.into_iter().enumerate() {
            let (row, dx) = rows[i];
            b.chip(page, x + dx, y + row * (chip_h + 3.0), &label, chip_size, fill, target, block);
        }
    }
    flow.y = top + h + 10.0;
}

/// `(row, x offset)` of each chip when wrapped at `width`.
pub(crate) fn chip_rows(b: &Builder, chips: &[ChipSpec], size: f32, width: f32) -> Vec<(f32, f32)> {
    let mut out = Vec::new();
    let (mut row, mut x) = (0.0f32, 0.0f32);
    for (label, _, _) in chips {
        let (w, _) = b.chip_size(label, size);
        if x > 0.0 && x + w > width {
            row += 1.0;
            x = 0.0;
        }
        out.push((row, x));
        x += w + 4.0;
    }
    out
}

/// One index per domain, in display order. Returns each domain's pages.
pub fn domain_indexes(b: &mut Builder, by_name: &[&Intervention]) -> Vec<Vec<usize>> {
    let cat = b.cat;
    let mut out = Vec::new();
    for d in &cat.kaart.domains {
        let entries = members(by_name, |i| i.domains.contains(&d.id));
        let pages = index_part(
            b,
            &d.name,
            &format!("domein-{}", d.id),
            d.color,
            d.description.as_deref(),
            &entries,
            "Er zijn (nog) geen interventies in dit domein.",
        );
        out.push(pages);
    }
    out
}

/// An overview page: one linked line per group or route, with its description and count.
fn overview(b: &mut Builder, title: &str, dest: &str, intro: &str, rows: &[(String, String, Option<String>, usize)]) {
    let part = b.part(title);
    let page = b.new_page(part);
    b.dest(dest, page, 0.0);
    let y = part_header(b, page, title, NEUTRAL, Some(intro), None);
    let cols = b.geo.column_boxes(b.geo.columns, 28.0);
    let mut flow = Flow::new(page, y, cols, part, title, NEUTRAL);
    let name_st = Style::new(Face::Bold, 11.0, LINK).lead(15.0);
    for (name, target_dest, desc, n) in rows {
        let desc = desc.clone().unwrap_or_default();
        let w = flow.w();
        let h = b.measure(name_st, name, w)
            + if desc.is_empty() { 0.0 } else { b.measure(BODY, &desc, w) }
            + SMALL.leading
            + 10.0;
        flow.ensure(b, h);
        let block = b.block();
        let target = Target::Dest(target_dest.clone().into());
        let mut y = b.link_lines(
            flow.page,
            flow.x(),
            flow.y,
            w,
            name_st,
            name,
            &target,
            &format!("Naar {name}"),
            Role::ListBody,
            block,
        );
        if !desc.is_empty() {
            y = b.lines(flow.page, flow.x(), y, w, BODY, &desc, Role::ListBody, block);
        }
        y = b.lines(flow.page, flow.x(), y, w, SMALL, &count_label(*n), Role::ListBody, block);
        flow.y = y + 10.0;
    }
}

pub fn group_indexes(b: &mut Builder, by_name: &[&Intervention]) {
    let cat = b.cat;
    let rows: Vec<_> = cat
        .kaart
        .target_groups
        .iter()
        .map(|g| {
            let n = cat.interventions.iter().filter(|i| i.target_groups.contains(&g.id)).count();
            (g.name.clone(), format!("doelgroep-{}", g.id), g.description.clone(), n)
        })
        .collect();
    overview(b, "Doelgroepen", "doelgroepen", "Voor wie is de interventie bedoeld? Kies een doelgroep.", &rows);
    for g in &cat.kaart.target_groups {
        let entries = members(by_name, |i| i.target_groups.contains(&g.id));
        index_part(
            b,
            &format!("Doelgroep: {}", g.name),
            &format!("doelgroep-{}", g.id),
            NEUTRAL,
            g.description.as_deref(),
            &entries,
            "Er zijn (nog) geen interventies voor deze doelgroep.",
        );
    }
}

pub fn funding_indexes(b: &mut Builder, by_name: &[&Intervention]) {
    let cat = b.cat;
    let rows: Vec<_> = cat
        .kaart
        .fundings
        .iter()
        .map(|f| {
            let n = cat.interventions.iter().filter(|i| i.fundings.contains(&f.id)).count();
            (f.name.clone(), format!("financiering-{}", f.id), f.note.clone(), n)
        })
        .collect();
    overview(b, "Financiering", "financiering", "Wie betaalt de interventie? Kies een financieringsroute.", &rows);
    for f in &cat.kaart.fundings {
        let entries = members(by_name, |i| i.fundings.contains(&f.id));
        index_part(
            b,
            &format!("Financiering: {}", f.name),
            &format!("financiering-{}", f.id),
            NEUTRAL,
            f.note.as_deref(),
            &entries,
            "Er zijn (nog) geen interventies met deze financiering.",
        );
    }
}

/// The A-Z index: a letter bar linking to each letter's section, then every name with its page.
pub fn a_to_z(b: &mut Builder, by_name: &[&Intervention]) {
    let part = b.part("Index A-Z");
    let page = b.new_page(part);
    b.dest("a-z", page, 0.0);
    let all = by_name.to_vec();
    let y = part_header(b, page, "Index A-Z", NEUTRAL, None, Some(count_label(all.len())));

    let mut sections: Vec<(String, Vec<&Intervention>)> = Vec::new();
    for it in all {
        let s = section_of(&it.name);
        match sections.last_mut() {
            Some((last, v)) if *last == s => v.push(it),
            _ => sections.push((s, vec![it])),
        }
    }
    // Letter bar: every letter, linked where it has names.
    let mut letters: Vec<String> = Vec::new();
    if sections.iter().any(|(s, _)| s == "0-9") {
        letters.push("0-9".into());
    }
    letters.extend(('A'..='Z').map(|c| c.to_string()));
    if sections.iter().any(|(s, _)| s == "#") {
        letters.push("#".into());
    }
    let size = 9.0;
    let gap = 2.0;
    let avail = b.geo.content_width();
    let cell = ((avail - gap * (letters.len() - 1) as f32) / letters.len() as f32).min(28.0);
    let (mut x, mut y) = (b.geo.margin, y);
    let bar_block = b.block();
    for l in &letters {
        let w = cell.max(b.fonts.width(Face::Bold, l, size) + 6.0);
        if x + w > b.geo.margin + avail {
            x = b.geo.margin;
            y += 20.0;
        }
        let rect = Rect { x, y, w, h: 17.0 };
        let present = sections.iter().any(|(s, _)| s == l);
        let (fill, ink) = if present { (NEUTRAL, WHITE) } else { (CHIP, MUTED) };
        let alt = format!("Naar de letter {l}");
        let target = present.then(|| (Target::Dest(letter_dest(l).into()), alt.as_str()));
        b.button(page, rect, l, Style::new(Face::Bold, size, ink), fill, target, bar_block);
        x += w + gap;
    }
    let y = y + 30.0;

    let ncols = if b.geo.columns > 1 { 3 } else { 2 };
    let cols = b.geo.column_boxes(ncols, 22.0);
    let mut flow = Flow::new(page, y, cols, part, "Index A-Z", NEUTRAL);
    let head = Style::new(Face::Bold, 13.0, INK).lead(17.0);
    let name_st = Style::new(Face::Regular, 9.0, LINK).lead(12.0);
    let ref_st = Style::new(Face::Regular, 8.5, MUTED);
    let ref_w = b.page_ref_width(ref_st);
    for (letter, items) in &sections {
        flow.y += 4.0;
        flow.ensure(b, head.leading + name_st.leading * 2.0 + 4.0);
        b.dest(&letter_dest(letter), flow.page, flow.y);
        let block = b.block();
        b.lines(flow.page, flow.x(), flow.y, flow.w(), head, letter, Role::Heading(2), block);
        flow.y += head.leading + 2.0;
        for it in items {
            let w = flow.w() - 10.0 - ref_w;
            let lines = wrap(b.fonts, name_st.face, name_st.size, &it.name, w);
            flow.ensure(b, lines.len() as f32 * name_st.leading + 3.0);
            let (page, x0, top) = (flow.page, flow.x(), flow.y);
            b.fill(page, Rect { x: x0, y: top + 3.0, w: 5.0, h: 5.0 }, domain_color(b, it));
            let block = b.block();
            let alt = format!("Naar de interventie {}", it.name);
            let y = b.name_with_page(
                page,
                x0 + 10.0,
                top,
                x0 + flow.w(),
                &lines,
                (name_st, ref_st),
                &it.id,
                &alt,
                Role::IndexEntry,
                block,
            );
            flow.y = y + 3.0;
        }
    }
}

fn letter_dest(letter: &str) -> String {
    match letter {
        "#" => "a-z-overig".into(),
        l => format!("a-z-{}", l.to_lowercase()),
    }
}

/// The outline: Start; Hoe werkt deze kaart; Domeinen, Doelgroepen and Financiering, each with
/// its indexes and their interventions; Index A-Z.
pub fn outline(b: &Builder, by_name: &[&Intervention]) -> Vec<OutlineItem> {
    let cat = b.cat;
    let leaf = |title: &str, dest: &str| OutlineItem {
        title: title.to_string(),
        dest: dest.to_string(),
        children: Vec::new(),
    };
    let members = |pred: &dyn Fn(&Intervention) -> bool| -> Vec<OutlineItem> {
        members(by_name, pred).into_iter().map(|i| leaf(&i.name, &i.id)).collect()
    };
    let domains = cat
        .kaart
        .domains
        .iter()
        .map(|d| OutlineItem {
            title: d.name.clone(),
            dest: format!("domein-{}", d.id),
            children: members(&|i| i.domains.contains(&d.id)),
        })
        .collect();
    let groups = cat
        .kaart
        .target_groups
        .iter()
        .map(|g| OutlineItem {
            title: g.name.clone(),
            dest: format!("doelgroep-{}", g.id),
            children: members(&|i| i.target_groups.contains(&g.id)),
        })
        .collect();
    let fundings = cat
        .kaart
        .fundings
        .iter()
        .map(|f| OutlineItem {
            title: f.name.clone(),
            dest: format!("financiering-{}", f.id),
            children: members(&|i| i.fundings.contains(&f.id)),
        })
        .collect();
    vec![
        leaf("Start", "start"),
        leaf("Hoe werkt deze kaart", "inleiding"),
        OutlineItem { title: "Domeinen".into(), dest: "start".into(), children: domains },
        OutlineItem { title: "Doelgroepen".into(), dest: "doelgroepen".into(), children: groups },
        OutlineItem { title: "Financiering".into(), dest: "financiering".into(), children: fundings },
        leaf("Index A-Z", "a-z"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dutch_sorting() {
        let mut names = vec!["Zorg", "'t Kan anders", "Ééndaagse", "abc", "3D-aanpak", "Buurtbemiddeling"];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(names, ["3D-aanpak", "abc", "Buurtbemiddeling", "Ééndaagse", "'t Kan anders", "Zorg"]);
        assert_eq!(section_of("'s-Hertogenbosch aanpak"), "S");
        assert_eq!(section_of("Élan"), "E");
        assert_eq!(section_of("24/7 zorg"), "0-9");
    }
}
