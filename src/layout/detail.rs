//! The detail page of one intervention: a header in the primary domain's colour, chips, the
//! summary, then every filled field under its Dutch label in two columns, flowing on to
//! continuation pages when it does not fit.

use super::*;
use crate::model::{AgeRange, Intervention};

/// The Dutch label and text of every long field, in reading order.
fn long_fields(it: &Intervention) -> Vec<(&'static str, &str)> {
    [
        ("Beschrijving", Some(&it.description)),
        ("Doel", it.goal.as_ref()),
        ("Werkwijze", it.method.as_ref()),
        ("Indicatie: wanneer inzetten", it.indication.as_ref()),
        ("Contra-indicatie", it.contra_indication.as_ref()),
        ("Aanmelding", it.referral.as_ref()),
    ]
    .into_iter()
    .filter_map(|(l, t)| t.map(|t| (l, t.as_str())))
    .collect()
}

fn age_text(a: AgeRange) -> Option<String> {
    match (a.min, a.max) {
        (Some(lo), Some(hi)) => Some(format!("{lo} tot en met {hi} jaar")),
        (Some(lo), None) => Some(format!("vanaf {lo} jaar")),
        (None, Some(hi)) => Some(format!("tot en met {hi} jaar")),
        (None, None) => None,
    }
}

/// Percent-encodes a mailto query value (RFC 6068).
fn mail_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// One value in the facts table: plain text or a link.
enum Value {
    Text(String),
    Link(String, Target, String),
}

pub fn intervention(b: &mut Builder, it: &Intervention) {
    let cat = b.cat;
    let domain = cat.kaart.domains.iter().find(|d| Some(&d.id) == it.domains.first());
    let color = domain.map_or(NEUTRAL, |d| d.color);
    let part = b.part(it.name.clone());
    let page = b.new_page(part);
    let g = b.geo;
    let top = g.content_top - 6.0;
    b.dest(&it.id, page, 0.0);

    // Header band: name (H1), primary domain and provider, and a link up to the domain index.
    let ink = text_on(color);
    let back_st = Style::new(Face::Regular, 8.5, ink);
    let (back_label, back_w) = match domain {
        Some(d) => {
            let l = format!("‹ Alle interventies in {}", d.name);
            let l = fit_line(b.fonts, back_st.face, back_st.size, &l, g.content_width() * 0.35);
            let w = b.fonts.width(back_st.face, &l, back_st.size);
            (Some(l), w)
        }
        None => (None, 0.0),
    };
    let pad = 14.0;
    // The title keeps every word whole, so search and copy find the name here even when an
    // index column must break it: a word too wide for the band makes the type smaller. The back
    // link sits on a line of its own below the subtitle, at the right: beside the title it
    // limits the title's text block, and pdftotext (poppler) then reads the title among the
    // navigation tabs instead of after them.
    let name_w = g.content_width() - 2.0 * pad;
    let longest = it.name.split_whitespace().map(|w| b.fonts.width(Face::Bold, w, 18.0)).fold(0.0f32, f32::max);
    let size = if longest > name_w { (18.0 * name_w / longest).floor().max(4.0) } else { 18.0 };
    let name_st = Style::new(Face::Bold, size, ink).lead(22.0 * size / 18.0);
    let mut sub = domain.map(|d| d.name.clone()).unwrap_or_default();
    if let Some(p) = &it.provider {
        sub = if sub.is_empty() { p.clone() } else { format!("{sub} · {p}") };
    }
    let sub_st = Style::new(Face::Regular, 9.5, ink).lead(13.0);
    // The band keeps its height: title and subtitle move up a little, the back link takes the
    // lower padding.
    let band_h = pad - 6.0
        + b.measure(name_st, &it.name, name_w)
        + if sub.is_empty() { 0.0 } else { b.measure(sub_st, &sub, name_w) + 1.0 }
        + if back_label.is_some() { 0.5 + back_st.leading + 4.5 } else { pad };
    b.panel(page, Rect { x: g.margin, y: top, w: g.content_width(), h: band_h }, color);
    let block = b.block();
    let mut y = b.lines(page, g.margin + pad, top + pad - 6.0, name_w, name_st, &it.name, Role::Heading(1), block);
    if !sub.is_empty() {
        let block = b.block();
        y = b.lines(page, g.margin + pad, y + 1.0, name_w, sub_st, &sub, Role::Paragraph, block);
    }
    if let (Some(label), Some(d)) = (back_label, domain) {
        let x = g.margin + g.content_width() - pad - back_w;
        let block = b.block();
        let target = Target::Dest(format!("domein-{}", d.id));
        b.link_lines(
            page,
            x,
            y + 0.5,
            back_w + 1.0,
            back_st,
            &label,
            &target,
            &format!("Naar het domein {}", d.name),
            Role::Paragraph,
            block,
        );
    }
    y = top + band_h + 8.0;

    // Chips: domains and target groups link to their indexes; kader and erkenning inform.
    let mut chips: Vec<ChipSpec> = Vec::new();
    for id in &it.domains {
        if let Some(d) = cat.kaart.domains.iter().find(|d| &d.id == id) {
            chips.push((
                d.name.clone(),
                d.color,
                Some((Target::Dest(format!("domein-{id}")), format!("Naar het domein {}", d.name))),
            ));
        }
    }
    for id in &it.target_groups {
        if let Some(t) = cat.kaart.target_groups.iter().find(|t| &t.id == id) {
            chips.push((
                t.name.clone(),
                CHIP,
                Some((Target::Dest(format!("doelgroep-{id}")), format!("Naar de doelgroep {}", t.name))),
            ));
        }
    }
    for f in &it.frameworks {
        chips.push((f.label().to_string(), KADER, None));
    }
    if let Some(r) = it.recognition {
        chips.push((r.label().to_string(), ERKENNING, None));
    }
    let chip_size = 7.8;
    let rows = super::index::chip_rows(b, &chips, chip_size, g.content_width());
    let chip_h = b.chip_size("X", chip_size).1;
    let block = b.block();
    let mut max_row = 0.0f32;
    for (i, (label, fill, target)) in chips.into_iter().enumerate() {
        let (row, dx) = rows[i];
        max_row = max_row.max(row);
        b.chip(page, g.margin + dx, y + row * (chip_h + 4.0), &label, chip_size, fill, target, block);
    }
    y += (max_row + 1.0) * (chip_h + 4.0) + 6.0;

    // The summary as a lead paragraph, then a rule.
    let lead = Style::new(Face::Regular, 11.5, INK).lead(15.5);
    let block = b.block();
    y = b.lines(page, g.margin, y, g.content_width(), lead, &it.summary, Role::Paragraph, block) + 6.0;
    b.fill(page, Rect { x: g.margin, y, w: g.content_width(), h: 0.8 }, RULE);
    y += 12.0;

    let cols = g.column_boxes(g.columns, 28.0);
    let mut flow = Flow::new(page, y, cols, part, &it.name, color);
    let label_st = LABEL.color(readable_on_white(color));
    for (label, text) in long_fields(it) {
        heading(b, &mut flow, label, label_st);
        flow_text(b, &mut flow, text, BODY);
        flow.y += 8.0;
    }

    // Practical facts as a two-column table of label and value.
    let mut facts: Vec<(&str, Vec<Value>)> = Vec::new();
    if let Some(p) = &it.provider {
        facts.push(("Aanbieder", vec![Value::Text(p.clone())]));
    }
    if !it.frameworks.is_empty() {
        let v = it.frameworks.iter().map(|f| f.label()).collect::<Vec<_>>().join(", ");
        facts.push(("Kader", vec![Value::Text(v)]));
    }
    if !it.fundings.is_empty() {
        let v = it
            .fundings
            .iter()
            .filter_map(|id| cat.kaart.fundings.iter().find(|f| &f.id == id))
            .map(|f| {
                Value::Link(
                    f.name.clone(),
                    Target::Dest(format!("financiering-{}", f.id)),
                    format!("Naar de financieringsroute {}", f.name),
                )
            })
            .collect();
        facts.push(("Financiering", v));
    }
    if let Some(a) = it.age.and_then(age_text) {
        facts.push(("Leeftijd", vec![Value::Text(a)]));
    }
    if let Some(d) = &it.duration {
        facts.push(("Duur", vec![Value::Text(d.clone())]));
    }
    if let Some(k) = &it.costs {
        facts.push(("Kosten", vec![Value::Text(k.clone())]));
    }
    if let Some(r) = it.recognition {
        facts.push(("Erkenning", vec![Value::Text(r.label().to_string())]));
    }
    if !it.regions.is_empty() {
        facts.push(("Regio", vec![Value::Text(it.regions.join(", "))]));
    }
    if !it.keywords.is_empty() {
        facts.push(("Trefwoorden", vec![Value::Text(it.keywords.join(", "))]));
    }
    if let Some(c) = &it.contact {
        let mut v = Vec::new();
        if let Some(w) = &c.website {
            v.push(Value::Link(w.clone(), Target::Url(w.clone()), "Website van de aanbieder".into()));
        }
        if let Some(m) = &c.email {
            v.push(Value::Link(m.clone(), Target::Url(format!("mailto:{m}")), format!("E-mail naar {m}")));
        }
        if let Some(t) = &c.phone {
            let digits: String = t.chars().filter(|c| c.is_ascii_digit() || *c == '+').collect();
            v.push(Value::Link(t.clone(), Target::Url(format!("tel:{digits}")), format!("Bel {t}")));
        }
        if !v.is_empty() {
            facts.push(("Contact", v));
        }
    }
    if !facts.is_empty() {
        heading(b, &mut flow, "Praktisch", label_st);
        facts_table(b, &mut flow, facts);
        flow.y += 8.0;
    }

    let related: Vec<&Intervention> =
        it.related.iter().filter_map(|r| cat.interventions.iter().find(|i| &i.id == r)).collect();
    if !related.is_empty() {
        heading(b, &mut flow, "Verwant", label_st);
        for r in related {
            let st = BODY.color(LINK);
            let ref_st = Style::new(Face::Regular, 8.5, MUTED);
            let ref_w = b.page_ref_width(ref_st);
            let w = flow.w() - ref_w - 8.0;
            let h = b.measure(st, &r.name, w);
            flow.ensure(b, h);
            let block = b.block();
            let target = Target::Dest(r.id.clone());
            let alt = format!("Naar de verwante interventie {}", r.name);
            let (page, x, top) = (flow.page, flow.x(), flow.y);
            flow.y = b.link_lines(page, x, top, w, st, &r.name, &target, &alt, Role::ListBody, block);
            let right = x + flow.w();
            let link = b.link(
                page,
                Rect { x: right - ref_w, y: top, w: ref_w, h: st.leading },
                target,
                &format!("{alt} (paginanummer)"),
                block,
            );
            b.page_ref(page, right, top + st.ascent(), ref_st, &r.id, block, Some(link));
            flow.y += 2.0;
        }
        flow.y += 8.0;
    }

    if !it.sources.is_empty() {
        heading(b, &mut flow, "Bronnen", label_st);
        let st = Style::new(Face::Regular, 8.0, LINK).lead(11.0);
        for url in &it.sources {
            let h = b.measure(st, url, flow.w());
            flow.ensure(b, h.min(st.leading * 2.0));
            let block = b.block();
            let target = Target::Url(url.clone());
            // A long URL may itself run over a column end: place it line by line.
            for line in wrap(b.fonts, st.face, st.size, url, flow.w()) {
                flow.ensure(b, st.leading);
                flow.y = b.link_lines(
                    flow.page,
                    flow.x(),
                    flow.y,
                    flow.w(),
                    st,
                    &line,
                    &target,
                    "Bron: webpagina",
                    Role::ListBody,
                    block,
                );
            }
            flow.y += 2.0;
        }
        flow.y += 8.0;
    }

    // Last checked, and a feedback link to the kaart's editors.
    let mut tail = Vec::new();
    if let Some(d) = it.updated {
        tail.push(format!("Bijgewerkt: {}", d.dutch()));
    }
    if !tail.is_empty() {
        flow.ensure(b, SMALL.leading);
        let block = b.block();
        flow.y = b.lines(flow.page, flow.x(), flow.y, flow.w(), SMALL, &tail.join(" · "), Role::Paragraph, block) + 2.0;
    }
    if let Some(mail) = &cat.kaart.contact {
        let subject = format!("Reactie op interventie: {} ({})", it.name, it.id);
        let target = Target::Url(format!("mailto:{mail}?subject={}", mail_escape(&subject)));
        let st = Style::new(Face::Bold, 9.0, LINK).lead(13.0);
        flow.ensure(b, st.leading);
        let block = b.block();
        flow.y = b.link_lines(
            flow.page,
            flow.x(),
            flow.y,
            flow.w(),
            st,
            "Reageer op deze interventie ›",
            &target,
            &format!("E-mail de redactie over {}", it.name),
            Role::Paragraph,
            block,
        );
    }
    untangle_columns(b, &flow);
}

/// Keeps poppler from reading the two columns of each page as a table (see `untangle`).
fn untangle_columns(b: &mut Builder, flow: &Flow) {
    let Some(&(right_x, _)) = flow.cols.get(1) else { return };
    let footer = b.footer_boxes();
    let next_w = b.fonts.width(SMALL.face, "Vervolg op pagina 0000 ›", SMALL.size);
    let right = b.geo.width - b.geo.margin;
    for (k, &(page, top)) in flow.pages.iter().enumerate() {
        let mut boxes = footer.clone();
        if k + 1 < flow.pages.len() {
            boxes.push((right - next_w, right, b.geo.content_bottom + 3.0 + SMALL.ascent(), SMALL.size));
        }
        let cols = super::untangle::Columns { right_x, top, bottom: b.geo.content_bottom, footer: boxes };
        super::untangle::untangle(&mut b.pages[page], b.fonts, &cols);
    }
}

/// A field label (H2) that stays with the first lines of what follows it.
fn heading(b: &mut Builder, flow: &mut Flow, label: &str, st: Style) {
    flow.ensure(b, st.leading + BODY.leading * 2.0);
    let block = b.block();
    flow.y = b.lines(flow.page, flow.x(), flow.y, flow.w(), st, label, Role::Heading(2), block) + 1.0;
}

fn facts_table(b: &mut Builder, flow: &mut Flow, facts: Vec<(&str, Vec<Value>)>) {
    let label_st = Style::new(Face::Bold, 9.0, INK).lead(13.0);
    let label_w = 78.0;
    for (label, values) in facts {
        flow.ensure(b, BODY.leading);
        let block = b.block();
        let (page, x) = (flow.page, flow.x());
        b.lines(page, x, flow.y, label_w - 4.0, label_st, label, Role::Paragraph, block);
        let vw = flow.w() - label_w;
        let mut y = flow.y;
        for v in values {
            // Values may be long (a URL); split them over a column end line by line.
            let (text, st, link) = match &v {
                Value::Text(t) => (t.as_str(), BODY, None),
                Value::Link(t, target, alt) => (t.as_str(), BODY.color(LINK), Some((target, alt))),
            };
            for line in wrap(b.fonts, st.face, st.size, text, vw) {
                if y + st.leading > b.geo.content_bottom {
                    flow.y = y;
                    flow.next_column(b);
                    y = flow.y;
                }
                let page = flow.page;
                let vx = flow.x() + label_w;
                y = match link {
                    Some((target, alt)) => {
                        b.link_lines(page, vx, y, vw, st, &line, target, alt, Role::Paragraph, block)
                    }
                    None => b.lines(page, vx, y, vw, st, &line, Role::Paragraph, block),
                };
            }
        }
        flow.y = y + 3.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailto_subjects_are_escaped() {
        assert_eq!(mail_escape("Reactie op: CoVa+ (één)"), "Reactie%20op%3A%20CoVa%2B%20%28%C3%A9%C3%A9n%29");
    }

    #[test]
    fn ages() {
        assert_eq!(age_text(AgeRange { min: Some(12), max: Some(18) }).unwrap(), "12 tot en met 18 jaar");
        assert_eq!(age_text(AgeRange { min: None, max: Some(23) }).unwrap(), "tot en met 23 jaar");
        assert_eq!(age_text(AgeRange { min: None, max: None }), None);
    }
}
