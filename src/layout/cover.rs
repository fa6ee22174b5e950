//! The cover, "de kaart": title block, a grid of domain tiles (each linking to its index, and to
//! every page of it when the index runs over several), target-group chips, and links to the
//! A-Z index, Financiering and "Hoe werkt deze kaart". Everything is two clicks from here.

use super::index::count_label;
use super::*;

pub fn cover(b: &mut Builder, domain_pages: &[Vec<usize>]) {
    let cat = b.cat;
    let k = &cat.kaart;
    let g = b.geo;
    let page = 0;
    b.dest("start", page, 0.0);
    b.fill(page, Rect { x: 0.0, y: 0.0, w: g.width, h: 8.0 }, NEUTRAL);

    let mut y = 40.0;
    let title = Style::new(Face::Bold, 26.0, INK).lead(31.0);
    let block = b.block();
    y = b.lines(page, g.margin, y, g.content_width(), title, &k.title, Role::Heading(1), block);
    if let Some(s) = &k.subtitle {
        let block = b.block();
        y = b.lines(
            page,
            g.margin,
            y + 2.0,
            g.content_width(),
            Style::new(Face::Regular, 13.0, MUTED).lead(17.0),
            s,
            Role::Paragraph,
            block,
        );
    }
    let mut meta: Vec<String> = Vec::new();
    meta.extend(k.publisher.clone());
    if let Some(v) = &k.version {
        meta.push(format!("versie {v}"));
    }
    meta.push(k.date.dutch());
    meta.push(count_label(cat.interventions.len()));
    let block = b.block();
    y = b.lines(
        page,
        g.margin,
        y + 4.0,
        g.content_width(),
        Style::new(Face::Regular, 9.5, MUTED),
        &meta.join(" · "),
        Role::Paragraph,
        block,
    );
    y += 12.0;

    // The other ways in, high on the page where every viewer clicks them reliably.
    let buttons = [
        ("Hoe werkt deze kaart", "inleiding", "Naar de uitleg: hoe werkt deze kaart"),
        ("Index A-Z", "a-z", "Naar de index van A tot Z"),
        ("Financiering", "financiering", "Naar het overzicht van financieringsroutes"),
        ("Alle doelgroepen", "doelgroepen", "Naar het overzicht van doelgroepen"),
    ];
    let size = 10.0;
    let mut x = g.margin;
    let block = b.block();
    for (label, dest, alt) in buttons {
        let (w, _) = b.chip_size(label, size);
        let w = w + 16.0;
        if x + w > g.margin + g.content_width() {
            x = g.margin;
            y += 30.0;
        }
        let rect = Rect { x, y, w, h: 24.0 };
        let st = Style::new(Face::Bold, size, WHITE);
        b.button(page, rect, label, st, NEUTRAL, Some((Target::Dest(dest.into()), alt)), block);
        x += w + 8.0;
    }
    y += 24.0 + 16.0;

    // Domain tiles.
    let head = Style::new(Face::Bold, 11.0, INK).lead(15.0);
    let block = b.block();
    y = b.lines(page, g.margin, y, g.content_width(), head, "Kies een domein", Role::Heading(2), block) + 4.0;
    let n = k.domains.len().max(1);
    let gap = 10.0;
    let pad = 10.0;
    let name_st = Style::new(Face::Bold, 12.5, WHITE).lead(15.5);
    let count_st = Style::new(Face::Regular, 9.0, WHITE).lead(12.0);
    let pages_st = Style::new(Face::Regular, 8.5, WHITE).lead(13.0);
    let desc_st = Style::new(Face::Regular, 8.5, WHITE).lead(11.5);
    // Page links of a multi-page index, as "pagina 3 4 5", wrapped to the tile width.
    let page_rows = |b: &Builder, pages: &[usize], tile_w: f32| -> Vec<Vec<(usize, f32, f32)>> {
        if pages.len() < 2 {
            return Vec::new();
        }
        let mut rows = vec![Vec::new()];
        let mut x = b.fonts.width(Face::Regular, "pagina ", pages_st.size);
        for &p in pages {
            let w = b.fonts.width(Face::Bold, &page_label(p), pages_st.size) + 6.0;
            if x + w > tile_w - 2.0 * pad {
                rows.push(Vec::new());
                x = 0.0;
            }
            rows.last_mut().expect("a row").push((p, x, w));
            x += w + 3.0;
        }
        rows
    };
    let need = |b: &Builder, with_desc: bool, tile_w: f32| -> f32 {
        k.domains
            .iter()
            .zip(domain_pages)
            .map(|(d, pages)| {
                let desc = match (&d.description, with_desc) {
                    (Some(t), true) => b.measure(desc_st, t, tile_w - 2.0 * pad) + 4.0,
                    _ => 0.0,
                };
                pad + b.measure(name_st, &d.name, tile_w - 2.0 * pad)
                    + desc
                    + count_st.leading
                    + page_rows(b, pages, tile_w).len() as f32 * pages_st.leading
                    + pad
            })
            .fold(58.0f32, f32::max)
    };
    let chip_rows_n = {
        let chips: Vec<ChipSpec> = k.target_groups.iter().map(|t| (t.name.clone(), CHIP, None)).collect();
        super::index::chip_rows(b, &chips, 9.0, g.content_width()).iter().map(|r| r.0 + 1.0).fold(1.0, f32::max)
    };
    let chips_h = 8.0 + head.leading + 4.0 + chip_rows_n * (b.chip_size("X", 9.0).1 + 5.0);
    let bottom = g.height - 24.0;
    // The fewest columns whose tiles fit above the target-group chips; more columns for a kaart
    // with many domains. Let the tiles fill the page, within reason.
    let base = if g.width > g.height { 4 } else { 2 };
    let mut layout = None;
    for ncols in (base..=base + 3).map(|c: usize| c.min(n)) {
        let tile_w = (g.content_width() - gap * (ncols - 1) as f32) / ncols as f32;
        let nrows = n.div_ceil(ncols);
        let room = ((bottom - y - chips_h) - gap * (nrows - 1) as f32) / nrows as f32;
        if need(b, false, tile_w) <= room || ncols == n || ncols == base + 3 {
            layout = Some((ncols, tile_w, nrows, room));
            if need(b, false, tile_w) <= room {
                break;
            }
        }
        if ncols == n {
            break;
        }
    }
    let (ncols, tile_w, nrows, room) = layout.expect("at least one column count is tried");
    let room_capped = room.min(if g.width > g.height { 150.0 } else { 170.0 });
    let with_desc = need(b, true, tile_w) <= room_capped;
    let tile_h =
        if with_desc { room_capped } else { need(b, false, tile_w).max(room_capped.min(need(b, false, tile_w) * 1.3)) };
    // A kaart with very many domains: the tiles that fit; the rest are in the navigation bar and
    // on "Hoe werkt deze kaart", which lists every domain.
    let rows_fit = (((bottom - y + gap) / (tile_h + gap)).floor() as usize).clamp(1, nrows);
    let shown = (rows_fit * ncols).min(k.domains.len());
    for (i, (d, pages)) in k.domains.iter().zip(domain_pages).enumerate().take(shown) {
        let (row, col) = (i / ncols, i % ncols);
        let x = g.margin + col as f32 * (tile_w + gap);
        let top = y + row as f32 * (tile_h + gap);
        let ink = text_on(d.color);
        b.panel(page, Rect { x, y: top, w: tile_w, h: tile_h }, d.color);
        let block = b.block();
        let rows = page_rows(b, pages, tile_w);
        let links_h = rows.len() as f32 * pages_st.leading;
        // The tile's main link covers all of it but the row of page links, so no two overlap.
        let target = Target::Dest(format!("domein-{}", d.id).into());
        let alt = format!("Naar het domein {}", d.name);
        let main = b.link(
            page,
            Rect { x, y: top, w: tile_w, h: tile_h - links_h - if links_h > 0.0 { pad } else { 0.0 } },
            target,
            &alt,
            block,
        );
        let mut ty = top + pad;
        for line in wrap(b.fonts, name_st.face, name_st.size, &d.name, tile_w - 2.0 * pad).iter() {
            b.text_line(page, x + pad, ty + name_st.ascent(), name_st.color(ink), line, Role::Chip, block, Some(main));
            ty += name_st.leading;
        }
        if let (Some(t), true) = (&d.description, with_desc) {
            ty += 2.0;
            for line in wrap(b.fonts, desc_st.face, desc_st.size, t, tile_w - 2.0 * pad).iter() {
                b.text_line(
                    page,
                    x + pad,
                    ty + desc_st.ascent(),
                    desc_st.color(ink),
                    line,
                    Role::Chip,
                    block,
                    Some(main),
                );
                ty += desc_st.leading;
            }
        }
        let count = count_label(cat.interventions.iter().filter(|it| it.domains.contains(&d.id)).count());
        let cy = top + tile_h - pad - links_h - count_st.leading;
        b.text_run(page, x + pad, cy + count_st.ascent(), count_st.color(ink), &count, Role::Chip, block, Some(main));
        let mut ly = top + tile_h - pad - links_h;
        for (r, row) in rows.iter().enumerate() {
            if r == 0 {
                b.text_run(
                    page,
                    x + pad,
                    ly + pages_st.ascent(),
                    pages_st.color(ink),
                    "pagina",
                    Role::Chip,
                    block,
                    None,
                );
            }
            for &(p, dx, w) in row {
                let rect = Rect { x: x + pad + dx, y: ly, w, h: pages_st.leading };
                let label = page_label(p);
                let link = b.link(page, rect, Target::Page(p), &format!("Naar {}, pagina {label}", d.name), block);
                let st = Style::new(Face::Bold, pages_st.size, ink);
                let tw = b.fonts.width(Face::Bold, &label, st.size);
                b.text_run(
                    page,
                    rect.x + (w - tw) / 2.0,
                    ly + pages_st.ascent(),
                    st,
                    &label,
                    Role::Chip,
                    block,
                    Some(link),
                );
                b.fill(page, Rect { x: rect.x + (w - tw) / 2.0, y: ly + pages_st.ascent() + 1.5, w: tw, h: 0.5 }, ink);
            }
            ly += pages_st.leading;
        }
    }
    y += shown.div_ceil(ncols) as f32 * (tile_h + gap) + 8.0;
    if shown < k.domains.len() {
        let note = format!(
            "Nog {} domeinen staan in de navigatiebalk bovenaan elke pagina en onder \"Hoe werkt deze kaart\".",
            k.domains.len() - shown
        );
        let block = b.block();
        y = b.lines(page, g.margin, y, g.content_width(), SMALL.color(INK), &note, Role::Paragraph, block) + 4.0;
    }
    // Target-group chips, when they fit (the button "Alle doelgroepen" above leads there too).
    if y + chips_h - 8.0 > bottom {
        return;
    }
    let block = b.block();
    y = b.lines(page, g.margin, y, g.content_width(), head, "Of kies een doelgroep", Role::Heading(2), block) + 4.0;
    let size = 9.0;
    let chips: Vec<ChipSpec> = k
        .target_groups
        .iter()
        .map(|t| {
            (
                t.name.clone(),
                CHIP,
                Some((Target::Dest(format!("doelgroep-{}", t.id).into()), format!("Naar de doelgroep {}", t.name))),
            )
        })
        .collect();
    let rows = super::index::chip_rows(b, &chips, size, g.content_width());
    let chip_h = b.chip_size("X", size).1;
    let block = b.block();
    for (i, (label, fill, target)) in chips.into_iter().enumerate() {
        let (row, dx) = rows[i];
        b.chip(page, g.margin + dx, y + row * (chip_h + 5.0), &label, size, fill, target, block);
    }
}
